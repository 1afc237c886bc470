// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* iommu-trace's record -> trace event formatter (iommu-trace-fmt.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu-trace-fmt.h"

/* sim/TRACE.md: a device is letters, digits and ._:- */
static char dev_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	    c == '-')
		return c;
	return '_';
}

int iommu_trace_format(const struct iommu_trace_raw *raw,
		       struct iommu_trace_clock *clock, struct trace_event *ev)
{
	uint64_t t;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	strcpy(ev->dev, "-");
	ev->iova = raw->iova;
	ev->size = raw->size;
	switch (raw->kind) {
	case IOMMU_TRACE_EV_MAP:
		if (!raw->size)
			return 1;
		if (raw->size - 1 > UINT64_MAX - raw->iova ||
		    raw->size - 1 > UINT64_MAX - raw->oa)
			return -EINVAL;
		ev->op = TRACE_MAP;
		ev->oa = raw->oa;
		ev->access = TRACE_R | TRACE_W;
		break;
	case IOMMU_TRACE_EV_UNMAP:
		if (!raw->size)
			return 1;
		if (raw->size - 1 > UINT64_MAX - raw->iova)
			return -EINVAL;
		ev->op = TRACE_UNMAP;
		break;
	case IOMMU_TRACE_EV_FAULT:
		ev->op = TRACE_FAULT;
		ev->size = 1;
		ev->access = (raw->flags & IOMMU_TRACE_FAULT_WRITE) ? TRACE_W
								    : TRACE_R;
		for (i = 0; i < IOMMU_TRACE_DEV_LEN && raw->dev[i] &&
			    i < TRACE_DEV_MAX - 1; i++)
			ev->dev[i] = dev_char(raw->dev[i]);
		if (i)
			ev->dev[i] = '\0';
		break;
	default:
		return -EINVAL;
	}
	t = raw->time_ns > clock->t0 ? raw->time_ns - clock->t0 : 0;
	if (t < clock->last)
		t = clock->last;
	clock->last = t;
	ev->time_ns = t;
	return 0;
}

/* Must match the structs in iommu-trace.bpf.c. */
static const struct iommu_trace_field map_fields[] = {
	{ "iova", 8, 8 }, { "paddr", 16, 8 }, { "size", 24, 8 },
};
static const struct iommu_trace_field unmap_fields[] = {
	{ "iova", 8, 8 }, { "size", 16, 8 }, { "unmapped_size", 24, 8 },
};
static const struct iommu_trace_field fault_fields[] = {
	{ "device", 8, 4 }, { "driver", 12, 4 }, { "iova", 16, 8 },
	{ "flags", 24, 4 },
};

const struct iommu_trace_field *iommu_trace_fields(const char *event,
						   unsigned int *n)
{
	if (!strcmp(event, "map")) {
		*n = sizeof(map_fields) / sizeof(map_fields[0]);
		return map_fields;
	}
	if (!strcmp(event, "unmap")) {
		*n = sizeof(unmap_fields) / sizeof(unmap_fields[0]);
		return unmap_fields;
	}
	if (!strcmp(event, "io_page_fault")) {
		*n = sizeof(fault_fields) / sizeof(fault_fields[0]);
		return fault_fields;
	}
	*n = 0;
	return NULL;
}

/* The unsigned after key in [p, end), or -1. */
static long field_num(const char *p, const char *end, const char *key)
{
	const char *k = strstr(p, key);
	char *e;
	long v;

	if (!k || k >= end)
		return -1;
	v = strtol(k + strlen(key), &e, 10);
	if (e == k + strlen(key) || *e != ';' || v < 0)
		return -1;
	return v;
}

/*
 * The field's name: the last identifier before the ';' that ends the
 * "field:" part ("__data_loc char[] device;" -> device, "u8 x[4];" -> x).
 */
static int field_is(const char *f, const char *semi, const char *name)
{
	const char *e = semi, *b;
	size_t len = strlen(name);

	while (e > f && e[-1] == ']')
		while (e > f && *--e != '[')
			;
	b = e;
	while (b > f && (b[-1] == '_' || (b[-1] >= 'a' && b[-1] <= 'z') ||
			 (b[-1] >= 'A' && b[-1] <= 'Z') ||
			 (b[-1] >= '0' && b[-1] <= '9')))
		b--;
	return (size_t)(e - b) == len && !memcmp(b, name, len);
}

int iommu_trace_check_format(const char *text,
			     const struct iommu_trace_field *want,
			     unsigned int n, const char **bad)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *line = text, *found = NULL;

		while (line && *line) {
			const char *end = strchr(line, '\n');
			const char *f = strstr(line, "field:");
			const char *semi;

			if (!end)
				end = line + strlen(line);
			if (f && f < end) {
				semi = memchr(f, ';', (size_t)(end - f));
				if (semi && field_is(f + 6, semi, want[i].name)) {
					found = semi;
					break;
				}
			}
			line = *end ? end + 1 : end;
		}
		if (!found) {
			*bad = want[i].name;
			return -ENOENT;
		}
		{
			const char *end = strchr(found, '\n');

			if (!end)
				end = found + strlen(found);
			if (field_num(found, end, "offset:") !=
				    (long)want[i].offset ||
			    field_num(found, end, "size:") !=
				    (long)want[i].size) {
				*bad = want[i].name;
				return -EPROTO;
			}
		}
	}
	return 0;
}
