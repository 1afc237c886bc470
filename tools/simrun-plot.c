// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommu-sim --plot: a hand-written SVG (no plotting library). Three
 * panels: mean translation cycles per time window and IOTLB hit rate per
 * window, one line per device, with the migration and live-update phases
 * marked; and the dirty pages of each migration round as bars (with the
 * pages the devices wrote as ticks: they should sit on the bars' tops).
 */
#include <inttypes.h>

#include "simrun-result.h"

#define W 960
#define PH 240   /* panel height */
#define ML 70    /* margins */
#define MR 170
#define MT 64
#define GAP 70

static const char *const colors[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
#define NCOL (sizeof(colors) / sizeof(colors[0]))

struct panel {
	double x0, y0, w, h;   /* plot area */
	double xmax, ymax;
};

static double px(const struct panel *p, double x)
{
	return p->x0 + (p->xmax > 0 ? x / p->xmax : 0) * p->w;
}

static double py(const struct panel *p, double y)
{
	return p->y0 + p->h - (p->ymax > 0 ? y / p->ymax : 0) * p->h;
}

/* A round axis maximum: 1, 2 or 5 times a power of ten. */
static double nice(double v)
{
	double m = 1;

	if (v <= 0)
		return 1;
	while (m * 10 < v)
		m *= 10;
	while (m > v * 10)
		m /= 10;
	if (m >= v)
		return m;
	if (2 * m >= v)
		return 2 * m;
	if (5 * m >= v)
		return 5 * m;
	return 10 * m;
}

static void axes(FILE *f, const struct panel *p, const char *title,
		 const char *xlabel)
{
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"15\" "
		"font-weight=\"bold\">%s</text>\n", p->x0, p->y0 - 12, title);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"none\" stroke=\"#444\"/>\n", p->x0, p->y0, p->w, p->h);
	for (int i = 0; i <= 4; i++) {
		double y = p->ymax * i / 4, yy = py(p, y);
		char lab[32];

		snprintf(lab, sizeof(lab), "%.0f", y);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#ddd\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
			"font-size=\"11\" text-anchor=\"end\">%s</text>\n",
			p->x0, yy, p->x0 + p->w, yy, p->x0 - 6, yy + 4, lab);
	}
	for (int i = 0; i <= 5 && xlabel; i++) {
		double x = p->xmax * i / 5;

		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
			"text-anchor=\"middle\">%.0f</text>\n", px(p, x),
			p->y0 + p->h + 15, x);
	}
	if (xlabel)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
			"text-anchor=\"middle\">%s</text>\n", p->x0 + p->w / 2,
			p->y0 + p->h + 32, xlabel);
}

static void marker(FILE *f, const struct panel *p, double x, const char *lab)
{
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n<text x=\"%.1f\" "
		"y=\"%.1f\" font-size=\"10\" fill=\"#555\">%s</text>\n",
		px(p, x), p->y0, px(p, x), p->y0 + p->h, px(p, x) + 3,
		p->y0 + 11, lab);
}

/* x of sample i: simulated microseconds at 1 GHz */
static double sx(const struct sr_result *r, size_t i)
{
	return (double)r->samples[i].t / 1000.0;
}

static void series(FILE *f, const struct sr_result *r, const struct panel *p,
		   bool hitrate)
{
	for (unsigned int d = 0; d < r->sc.nr_devices; d++) {
		bool open = false;

		for (size_t i = 0; i < r->nr_samples; i++) {
			const struct sr_sample *s = &r->samples[i];
			double y;

			if (!s->txns[d])
				continue;
			y = hitrate ? 100.0 * (double)s->hits[d] / (double)s->txns[d] :
			    (double)s->cycles[d] / (double)s->txns[d];
			if (!open)
				fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" "
					"stroke-width=\"1.5\" points=\"",
					colors[d % NCOL]);
			fprintf(f, "%s%.1f,%.1f", open ? " " : "", px(p, sx(r, i)),
				py(p, y > p->ymax ? p->ymax : y));
			open = true;
		}
		if (open)
			fprintf(f, "\"/>\n");
	}
	if (r->nr_rounds && r->mig_start < r->nr_samples)
		marker(f, p, r->mig_start ? sx(r, r->mig_start - 1) : 0,
		       "migration");
	if (r->lu_done && r->lu_start < r->nr_samples)
		marker(f, p, r->lu_start ? sx(r, r->lu_start - 1) : 0,
		       "live update");
}

static void legend(FILE *f, const struct sr_result *r, double x, double y)
{
	for (unsigned int d = 0; d < r->sc.nr_devices; d++) {
		const struct sr_device_cfg *c = &r->sc.devices[d];

		fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"3\" "
			"fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">"
			"%s (%s)</text>\n", x, y + 16.0 * d - 4, colors[d % NCOL],
			x + 17, y + 16.0 * d, c->name, sr_workload_name(c->wl));
	}
}

int sr_report_svg(const struct sr_result *r, FILE *f)
{
	unsigned int panels = r->nr_rounds ? 3 : 2;
	double height = MT + panels * (PH + GAP);
	struct panel p = { .x0 = ML, .y0 = MT, .w = W - ML - MR, .h = PH };
	double ymax = 0;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
		"font-family=\"sans-serif\">\n<rect width=\"100%%\" "
		"height=\"100%%\" fill=\"white\"/>\n", W, height, W, height);
	fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"17\">iommu-sim: "
		"scenario %s (seed %" PRIu64 ")</text>\n", ML, r->sc.name,
		r->sc.seed);

	/* 1: cycles per translation; the axis stops at the largest mean */
	p.xmax = r->nr_samples ? nice(sx(r, r->nr_samples - 1)) : 1;
	for (size_t i = 0; i < r->nr_samples; i++)
		for (unsigned int d = 0; d < r->sc.nr_devices; d++)
			if (r->samples[i].txns[d]) {
				double y = (double)r->samples[i].cycles[d] /
					   (double)r->samples[i].txns[d];

				if (y > ymax)
					ymax = y;
			}
	p.ymax = nice(ymax);
	axes(f, &p, "Mean translation cycles per window", "simulated time (us)");
	series(f, r, &p, false);
	legend(f, r, p.x0 + p.w + 15, p.y0 + 10);

	/* 2: IOTLB hit rate */
	p.y0 += PH + GAP;
	p.ymax = 100;
	axes(f, &p, "IOTLB hit rate per window (%)", "simulated time (us)");
	series(f, r, &p, true);

	/* 3: dirty pages per migration round */
	if (r->nr_rounds) {
		double bw;

		p.y0 += PH + GAP;
		ymax = 0;
		for (unsigned int i = 0; i < r->nr_rounds; i++) {
			if ((double)r->rounds[i].harvested > ymax)
				ymax = (double)r->rounds[i].harvested;
			if ((double)r->rounds[i].expected > ymax)
				ymax = (double)r->rounds[i].expected;
		}
		p.ymax = nice(ymax);
		p.xmax = r->nr_rounds;
		axes(f, &p, "Dirty pages per migration round (bars: harvested, "
		     "ticks: pages written)", NULL);
		bw = p.w / r->nr_rounds;
		for (unsigned int i = 0; i < r->nr_rounds; i++) {
			double x = p.x0 + bw * i + bw * 0.15;
			double y = py(&p, (double)r->rounds[i].harvested);
			double ye = py(&p, (double)r->rounds[i].expected);

			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"#4c78a8\"/>\n", x, y,
				bw * 0.7, p.y0 + p.h - y);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#e45756\" "
				"stroke-width=\"2\"/>\n", x - 3, ye,
				x + bw * 0.7 + 3, ye);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
				"text-anchor=\"middle\">%" PRIu64 "</text>\n",
				x + bw * 0.35, y - 4, r->rounds[i].harvested);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
				"text-anchor=\"middle\">round %u</text>\n",
				x + bw * 0.35, p.y0 + p.h + 15, i + 1);
		}
	}
	fprintf(f, "</svg>\n");
	return ferror(f) ? -1 : 0;
}
