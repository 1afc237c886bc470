// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommupt-devices: list PCI devices with their IOMMU group, driver,
 * ATS/PRI/PASID capabilities and the group's reserved regions, from
 * libiommudrv-pci (libpci + /sys/kernel/iommu_groups).
 *
 *   iommupt-devices [--sysfs DIR] [--json]
 *
 * Exit status: 0, 1 when enumeration fails, 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/drv-pci.h>
#include <iommupt/resv.h>

static const char *resv_type(uint32_t t, uint32_t flags)
{
	switch (t) {
	case IOMMUPT_RESV_IDENTITY:
		return flags & IOMMUPT_RESV_RELAXABLE ? "direct-relaxable" :
							"direct";
	case IOMMUPT_RESV_RESERVED:
		return "reserved";
	case IOMMUPT_RESV_MSI:
		return "msi";
	default:
		return "?";
	}
}

/* Driver names come from sysfs links: escape them for JSON anyway. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void caps_text(const struct iommudrv_pci_dev *d, char *buf, size_t sz)
{
	size_t n = 0;

	buf[0] = 0;
	if (d->caps & IOMMUDRV_PCI_ATS)
		n += (size_t)snprintf(buf + n, sz - n, "%sats", n ? "," : "");
	if ((d->caps & IOMMUDRV_PCI_PRI) && n < sz)
		n += (size_t)snprintf(buf + n, sz - n, "%spri", n ? "," : "");
	if ((d->caps & IOMMUDRV_PCI_PASID) && n < sz)
		snprintf(buf + n, sz - n, "%spasid(%u)", n ? "," : "",
			 d->pasid_bits);
	if (!buf[0])
		snprintf(buf, sz, "-");
}

static int usage(FILE *f)
{
	fprintf(f, "usage: iommupt-devices [--sysfs DIR] [--json]\n"
		   "  lists PCI devices with IOMMU group, driver, ATS/PRI/PASID\n"
		   "  and the group's reserved regions (DIR default /sys)\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "sysfs", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	IOMMUPT_OPTS(iommudrv_pci_opts, opts);
	struct iommudrv_pci_dev *devs = NULL;
	struct iommupt_resv_region *r;
	size_t n = 0, i;
	int json = 0, opt, ret;

	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			opts.sysfs_root = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return usage(stdout);
		default:
			return usage(stderr);
		}
	}
	if (optind != argc)
		return usage(stderr);

	/* Size query, then the real call (devices may come and go between). */
	for (int tries = 0; tries < 4; tries++) {
		ret = iommudrv_pci_enumerate(&opts, devs, &n);
		if (ret != -ENOBUFS)
			break;
		free(devs);
		devs = calloc(n ? n : 1, sizeof(*devs));
		if (!devs) {
			ret = -ENOMEM;
			break;
		}
	}
	if (ret) {
		fprintf(stderr, "iommupt-devices: %s\n", strerror(-ret));
		free(devs);
		return 1;
	}
	r = calloc(IOMMUPT_RESV_MAX, sizeof(*r));
	if (!r) {
		free(devs);
		return 1;
	}
	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		const struct iommudrv_pci_dev *d = &devs[i];
		size_t nr = 0;
		char caps[64];
		int rret = -ENOENT;

		if (d->iommu_group >= 0) {
			nr = IOMMUPT_RESV_MAX;
			rret = iommudrv_pci_group_resv(&opts, d->iommu_group, r,
						       &nr);
			if (rret)
				nr = 0;
		}
		caps_text(d, caps, sizeof(caps));
		if (!json) {
			printf("%s %04x:%04x class %06x group ", d->bdf,
			       d->vendor, d->device, d->class_code);
			if (d->iommu_group >= 0)
				printf("%d", d->iommu_group);
			else
				printf("-");
			printf(" driver %s caps %s%s\n",
			       d->driver[0] ? d->driver : "-", caps,
			       d->config_ok ? "" : " (config space not readable)");
			if (d->iommu_group >= 0 && rret)
				printf("  reserved regions: %s\n",
				       strerror(-rret));
			for (size_t k = 0; k < nr; k++)
				printf("  reserved 0x%016" PRIx64 "-0x%016" PRIx64
				       " %s\n", r[k].start, r[k].last,
				       resv_type(r[k].type, r[k].flags));
			continue;
		}
		printf("%s\n {\"bdf\": \"%s\", \"vendor\": \"%04x\", "
		       "\"device\": \"%04x\", \"class\": \"%06x\", "
		       "\"iommu_group\": ",
		       i ? "," : "", d->bdf, d->vendor, d->device,
		       d->class_code);
		if (d->iommu_group >= 0)
			printf("%d", d->iommu_group);
		else
			printf("null");
		printf(", \"driver\": ");
		if (d->driver[0])
			json_str(d->driver);
		else
			printf("null");
		printf(", \"ats\": %s, \"pri\": %s, \"pasid\": %s, "
		       "\"pasid_bits\": %u, \"config_readable\": %s, "
		       "\"reserved_regions\": [",
		       d->caps & IOMMUDRV_PCI_ATS ? "true" : "false",
		       d->caps & IOMMUDRV_PCI_PRI ? "true" : "false",
		       d->caps & IOMMUDRV_PCI_PASID ? "true" : "false",
		       d->pasid_bits, d->config_ok ? "true" : "false");
		for (size_t k = 0; k < nr; k++)
			printf("%s{\"start\": \"0x%" PRIx64 "\", \"last\": \"0x%"
			       PRIx64 "\", \"type\": \"%s\"}", k ? ", " : "",
			       r[k].start, r[k].last,
			       resv_type(r[k].type, r[k].flags));
		printf("]}");
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	free(r);
	free(devs);
	return 0;
}
