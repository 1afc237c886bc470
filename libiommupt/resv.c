// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Reserved regions: validity, the parser of Linux's sysfs text, and the
 * checks map and unmap make against the regions of the devices attached
 * to a domain. The parser reads a caller's buffer; no file I/O here.
 */
#include "domains-int.h"

bool pt_resv_valid(const struct iommupt_resv_region *r)
{
	if (r->type < IOMMUPT_RESV_IDENTITY || r->type > IOMMUPT_RESV_MSI)
		return false;
	if (r->flags & ~(uint32_t)IOMMUPT_RESV_RELAXABLE)
		return false;
	if (r->flags && r->type != IOMMUPT_RESV_IDENTITY)
		return false;
	return r->start <= r->last;
}

void pt_resv_dom_range(const struct iommupt_domain *d,
		       const struct iommupt_resv_region *r, uint64_t *start,
		       uint64_t *last)
{
	uint64_t mask = (1ull << d->min_page_lg2) - 1;

	*start = r->start & ~mask;
	*last = r->last | mask;
}

static bool overlaps(uint64_t s1, uint64_t l1, uint64_t s2, uint64_t l2)
{
	return s1 <= l2 && s2 <= l1;
}

/*
 * Called by iommupt_domain_map only when d->nr_resv is non-zero: a map
 * over any region of an attached device is refused.
 */
int pt_resv_check_map(const struct iommupt_domain *d, uint64_t iova,
		      uint64_t last)
{
	for (const struct iommupt_device *dev = d->devs; dev;
	     dev = dev->dom_next) {
		for (uint32_t i = 0; i < dev->nr_resv; i++) {
			uint64_t s, l;

			pt_resv_dom_range(d, &dev->resv[i], &s, &l);
			if (overlaps(iova, last, s, l))
				return -PT_EBUSY;
		}
	}
	return 0;
}

/* An unmap may not touch the identity map of an attached device. */
int pt_resv_check_unmap(const struct iommupt_domain *d, uint64_t iova,
			uint64_t last)
{
	for (const struct iommupt_device *dev = d->devs; dev;
	     dev = dev->dom_next) {
		for (uint32_t i = 0; i < dev->nr_resv; i++) {
			uint64_t s, l;

			if (dev->resv[i].type != IOMMUPT_RESV_IDENTITY)
				continue;
			pt_resv_dom_range(d, &dev->resv[i], &s, &l);
			if (overlaps(iova, last, s, l))
				return -PT_EBUSY;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- parser */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x" and 1..16 hex digits at *p, followed by sep. */
static bool parse_hex(const char **p, const char *end, char sep,
		      uint64_t *v)
{
	const char *c = *p;
	unsigned int n = 0;

	if (end - c < 3 || c[0] != '0' || c[1] != 'x')
		return false;
	c += 2;
	*v = 0;
	while (c < end && hex_digit(*c) >= 0) {
		if (++n > 16)
			return false;
		*v = (*v << 4) | (uint64_t)hex_digit(*c);
		c++;
	}
	if (!n || c == end || *c != sep)
		return false;
	*p = c + 1;
	return true;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lit[i] || lit[i] != w[i])
			return false;
	return !lit[i];
}

/* The type word up to the newline at *p. */
static bool parse_type(const char **p, const char *end,
		       struct iommupt_resv_region *r)
{
	const char *c = *p, *w = c;

	while (c < end && *c != '\n')
		c++;
	if (c == end)
		return false;
	r->flags = 0;
	if (word_is(w, (size_t)(c - w), "direct")) {
		r->type = IOMMUPT_RESV_IDENTITY;
	} else if (word_is(w, (size_t)(c - w), "direct-relaxable")) {
		r->type = IOMMUPT_RESV_IDENTITY;
		r->flags = IOMMUPT_RESV_RELAXABLE;
	} else if (word_is(w, (size_t)(c - w), "reserved")) {
		r->type = IOMMUPT_RESV_RESERVED;
	} else if (word_is(w, (size_t)(c - w), "msi")) {
		r->type = IOMMUPT_RESV_MSI;
	} else {
		return false;
	}
	*p = c + 1;
	return true;
}

IOMMUPT_API int iommupt_resv_parse(const char *buf, size_t len,
				   struct iommupt_resv_region *out,
				   size_t *count)
{
	const char *p, *end;
	size_t cap, n = 0;

	if (!count || (len && !buf) || (*count && !out))
		return -PT_EINVAL;
	cap = *count;
	p = buf;
	end = buf + len;
	while (p < end) {
		struct iommupt_resv_region r;

		if (!parse_hex(&p, end, ' ', &r.start) ||
		    !parse_hex(&p, end, ' ', &r.last) ||
		    !parse_type(&p, end, &r) || r.start > r.last) {
			*count = n + 1;
			return -PT_EINVAL;
		}
		if (n < cap)
			out[n] = r;
		n++;
	}
	*count = n;
	return n > cap ? -PT_ENOBUFS : 0;
}
