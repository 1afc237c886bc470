// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Reader and writer of the trace format, version 1 (sim/TRACE.md).
 *
 * The reader treats its input as hostile: a line is read byte by byte into
 * a fixed buffer (memory stays bounded whatever the file holds), every
 * number is parsed with an overflow check, every range is checked for
 * wrap-around, and the first bad field stops the reader with its line
 * number and a reason.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/drv.h>

#include "trace.h"

#define TRACE_MAJOR 1
#define TRACE_MAGIC "# iommupt-trace "
#define MAX_TOKENS 8 /* one more than an event has, to tell "too many" */

struct trace_reader {
	FILE *f;
	unsigned long line;
	bool seen_event;
	bool failed;
	uint64_t last_time;
	char buf[TRACE_LINE_MAX];
	char msg[160];
};

static const char *const reason_names[] = {
	[IOMMUDRV_FAULT_OTHER] = "other",
	[IOMMUDRV_FAULT_TRANSLATION] = "translation",
	[IOMMUDRV_FAULT_PERMISSION] = "permission",
	[IOMMUDRV_FAULT_ADDR_SIZE] = "addr-size",
	[IOMMUDRV_FAULT_NO_DEVICE] = "no-device",
	[IOMMUDRV_FAULT_BAD_ENTRY] = "bad-entry",
	[IOMMUDRV_FAULT_WALK_ABORT] = "walk-abort",
};
#define NR_REASONS (sizeof(reason_names) / sizeof(reason_names[0]))

static const char *const op_names[] = {
	[TRACE_MAP] = "map",
	[TRACE_UNMAP] = "unmap",
	[TRACE_DMA] = "dma",
	[TRACE_FAULT] = "fault",
};

static const char *const vendors[] = { "vtd", "amd", "smmu" };
static const char *const formats[] = { "vtd-ss", "x86-64", "amd-v1",
				       "arm-s1", "arm-s2" };

const char *trace_reason_name(uint32_t reason)
{
	return reason < NR_REASONS ? reason_names[reason] : NULL;
}

__attribute__((format(printf, 2, 3)))
static int fail(struct trace_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->failed = true;
	return -EINVAL;
}

/* ---- lines and tokens ---------------------------------------------------- */

/*
 * Read one line into r->buf without its newline (and a CR before it).
 * Returns 1, 0 at the end of the file, -EINVAL for a line too long or
 * holding a NUL or control byte, -EIO on a read error.
 */
static int read_line(struct trace_reader *r)
{
	size_t n = 0;
	int c;

	r->line++;
	for (;;) {
		c = getc(r->f);
		if (c == EOF) {
			if (ferror(r->f)) {
				snprintf(r->msg, sizeof(r->msg), "read error");
				r->failed = true;
				return -EIO;
			}
			if (!n) {
				r->line--;
				return 0;
			}
			break;
		}
		if (c == '\n')
			break;
		if (n + 1 >= sizeof(r->buf))
			return fail(r, "line longer than %d bytes",
				    TRACE_LINE_MAX - 1);
		if (c == '\0')
			return fail(r, "NUL byte");
		if (c != '\t' && c != '\r' && (c < 0x20 || c == 0x7f))
			return fail(r, "control byte 0x%02x", c);
		r->buf[n++] = (char)c;
	}
	if (n && r->buf[n - 1] == '\r')
		n--;
	r->buf[n] = '\0';
	if (strchr(r->buf, '\r'))
		return fail(r, "carriage return inside the line");
	return 1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Split s in place at runs of spaces and tabs. Returns the token count. */
static unsigned int split(char *s, char **tok, unsigned int max)
{
	unsigned int n = 0;

	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		while (*s && !is_space(*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
}

/* ---- numbers -------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Digits only (no sign, no space), at least one, no overflow. */
static bool parse_dec(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned int)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* "0x" and at least one hex digit, no overflow. */
static bool parse_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return false;
	for (s += 2; *s; s++) {
		int d = hexval(*s);

		if (d < 0 || v > (UINT64_MAX >> 4))
			return false;
		v = v << 4 | (unsigned int)d;
	}
	*out = v;
	return true;
}

/* Hexadecimal with 0x, or decimal. */
static bool parse_num(const char *s, uint64_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_hex(s, out);
	return parse_dec(s, out);
}

/* Why a number did not parse, for the message. */
enum num_kind { NUM_DEC, NUM_HEX, NUM_ANY };

static const char *num_why(const char *s, enum num_kind kind)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	if (kind == NUM_HEX && !hex)
		return "needs 0x and hexadecimal digits";
	if (kind == NUM_DEC)
		hex = false;
	for (const char *p = s + (hex ? 2 : 0); *p; p++)
		if (hex ? hexval(*p) < 0 : (*p < '0' || *p > '9'))
			return "is not a number";
	if (hex && !s[2])
		return "has no digits";
	return "does not fit in 64 bits";
}

/* ---- names ----------------------------------------------------------------- */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* A unit or domain name: letters, digits, '._-', shorter than max. */
static int check_name(struct trace_reader *r, const char *what,
		      const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n)
		return fail(r, "%s name is empty", what);
	if (n >= max)
		return fail(r, "%s name longer than %zu bytes", what, max - 1);
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return fail(r, "%s name has a bad character", what);
	return 0;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

/*
 * A device: "-", a PCI address DDDD:BB:DD.F (checked: device 0..1f,
 * function 0..7), or a name of letters, digits and "._:-".
 */
static int check_dev(struct trace_reader *r, const char *s)
{
	size_t n = strlen(s);

	if (n >= TRACE_DEV_MAX)
		return fail(r, "device name longer than %d bytes",
			    TRACE_DEV_MAX - 1);
	if (!strcmp(s, "-"))
		return 0;
	if (n == 12 && s[4] == ':' && s[7] == ':' && s[10] == '.' &&
	    all_hex(s, 4) && all_hex(s + 5, 2) && all_hex(s + 8, 2) &&
	    all_hex(s + 11, 1)) {
		if (hexval(s[8]) * 16 + hexval(s[9]) > 0x1f)
			return fail(r, "PCI device number above 0x1f");
		if (hexval(s[11]) > 7)
			return fail(r, "PCI function number above 7");
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]) && s[i] != ':')
			return fail(r, "device name has a bad character");
	return 0;
}

/* ---- events ---------------------------------------------------------------- */

static bool parse_access(const char *s, uint32_t *acc)
{
	uint32_t a = 0;

	for (; *s; s++) {
		uint32_t bit = *s == 'r' ? TRACE_R : *s == 'w' ? TRACE_W : 0;

		if (!bit || (a & bit))
			return false;
		a |= bit;
	}
	*acc = a;
	return a != 0;
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_';
}

static int parse_flags(struct trace_reader *r, char *s, struct trace_event *ev)
{
	bool first = true, seen_reason = false, seen_pasid = false;
	char *tok, *next;

	if (!strcmp(s, "-")) {
		if (ev->op != TRACE_UNMAP)
			return fail(r, "%s needs an access in FLAGS (r, w or rw)",
				    op_names[ev->op]);
		return 0;
	}
	for (tok = s; tok; tok = next, first = false) {
		char *eq, *val;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (!*tok)
			return fail(r, "empty token in FLAGS");
		if (first && ev->op != TRACE_UNMAP) {
			if (!parse_access(tok, &ev->access))
				return fail(r, "bad access '%.8s' (r, w or rw)",
					    tok);
			continue;
		}
		eq = strchr(tok, '=');
		if (!eq) {
			if (first && parse_access(tok, &ev->access))
				return fail(r, "unmap takes no access");
			return fail(r, "flag token is not key=value");
		}
		*eq = '\0';
		val = eq + 1;
		if (tok == eq)
			return fail(r, "empty key in FLAGS");
		for (const char *k = tok; *k; k++)
			if (!key_char(*k))
				return fail(r, "bad character in a FLAGS key");
		if (!*val)
			return fail(r, "empty value for %.16s=", tok);
		if (!strcmp(tok, "reason")) {
			uint32_t i;

			if (ev->op != TRACE_FAULT)
				return fail(r, "reason= only on fault");
			if (seen_reason)
				return fail(r, "reason= given twice");
			for (i = 0; i < NR_REASONS; i++)
				if (!strcmp(val, reason_names[i]))
					break;
			if (i == NR_REASONS)
				return fail(r, "unknown fault reason '%.16s'", val);
			ev->reason = i;
			ev->has_reason = 1;
			seen_reason = true;
		} else if (!strcmp(tok, "pasid")) {
			uint64_t v;

			if (seen_pasid)
				return fail(r, "pasid= given twice");
			if (!parse_num(val, &v) || v > TRACE_PASID_MAX)
				return fail(r, "pasid must be 0..0x%x",
					    TRACE_PASID_MAX);
			ev->pasid = (uint32_t)v;
			ev->has_pasid = 1;
			seen_pasid = true;
		}
		/* other keys: ignored, for later versions */
	}
	return 0;
}

static int parse_event(struct trace_reader *r, char **tok, unsigned int n,
		       struct trace_event *ev)
{
	uint64_t v;
	unsigned int i;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (n != 7)
		return fail(r, "an event has 7 fields, this line has %s%u",
			    n > 7 ? "more than " : "", n > 7 ? 7 : n);
	if (!parse_dec(tok[0], &v))
		return fail(r, "TIME %s", num_why(tok[0], NUM_DEC));
	if (r->seen_event && v < r->last_time)
		return fail(r, "TIME goes back (%" PRIu64 " after %" PRIu64 ")",
			    v, r->last_time);
	ev->time_ns = v;
	rc = check_dev(r, tok[1]);
	if (rc)
		return rc;
	memcpy(ev->dev, tok[1], strlen(tok[1]) + 1);
	for (i = 0; i < 4; i++)
		if (!strcmp(tok[2], op_names[i]))
			break;
	if (i == 4)
		return fail(r, "unknown op '%.16s'", tok[2]);
	ev->op = (enum trace_op)i;
	if (!parse_hex(tok[3], &ev->iova))
		return fail(r, "IOVA %s", num_why(tok[3], NUM_HEX));
	if (!parse_num(tok[4], &ev->size))
		return fail(r, "SIZE %s", num_why(tok[4], NUM_ANY));
	if (!ev->size)
		return fail(r, "SIZE is 0");
	if (ev->size - 1 > UINT64_MAX - ev->iova)
		return fail(r, "IOVA + SIZE wraps around");
	if (ev->op == TRACE_MAP) {
		if (!parse_hex(tok[5], &ev->oa))
			return fail(r, "OA %s", num_why(tok[5], NUM_HEX));
		if (ev->size - 1 > UINT64_MAX - ev->oa)
			return fail(r, "OA + SIZE wraps around");
	} else if (strcmp(tok[5], "-")) {
		return fail(r, "OA must be - for %s", op_names[ev->op]);
	}
	rc = parse_flags(r, tok[6], ev);
	if (rc)
		return rc;
	r->seen_event = true;
	r->last_time = ev->time_ns;
	return 1;
}

/* ---- directives ------------------------------------------------------------ */

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* Copy a checked value into a fixed field of the directive. */
#define SET_FIELD(f, v) memcpy((f), (v), strlen(v) + 1)

static int parse_directive(struct trace_reader *r, char **tok, unsigned int n,
			   struct trace_directive *d)
{
	/* which keys each kind takes; bit per key in the order of keys[] */
	static const char *const keys[] = { "vendor", "unit", "format",
					    "levels", "granule", "ias",
					    "domain", "sid" };
	static const unsigned int allowed[] = {
		[TRACE_DIR_UNIT] = 1u << 0,
		[TRACE_DIR_DOMAIN] = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 |
				     1u << 5,
		[TRACE_DIR_DEVICE] = 1u << 6 | 1u << 7,
	};
	static const unsigned int required[] = {
		[TRACE_DIR_UNIT] = 1u << 0,
		[TRACE_DIR_DOMAIN] = 1u << 1 | 1u << 2,
		[TRACE_DIR_DEVICE] = 1u << 6,
	};
	unsigned int seen = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	if (r->seen_event)
		return fail(r, "directive after the first event");
	if (n < 2)
		return fail(r, "directive without a kind and a name");
	if (n > MAX_TOKENS)
		return fail(r, "directive with too many fields");
	if (!strcmp(tok[0], "unit"))
		d->kind = TRACE_DIR_UNIT;
	else if (!strcmp(tok[0], "domain"))
		d->kind = TRACE_DIR_DOMAIN;
	else if (!strcmp(tok[0], "device"))
		d->kind = TRACE_DIR_DEVICE;
	else
		return fail(r, "unknown directive '%.16s'", tok[0]);
	if (d->kind == TRACE_DIR_DEVICE)
		rc = check_dev(r, tok[1]);
	else
		rc = check_name(r, tok[0], tok[1], TRACE_NAME_MAX);
	if (rc)
		return rc;
	SET_FIELD(d->name, tok[1]);

	for (unsigned int i = 2; i < n; i++) {
		char *eq = strchr(tok[i], '='), *val;
		unsigned int k;
		uint64_t v;

		if (!eq)
			return fail(r, "directive field is not key=value");
		*eq = '\0';
		val = eq + 1;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(tok[i], keys[k]))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]) ||
		    !(allowed[d->kind] & 1u << k))
			return fail(r, "unknown key '%.16s' in %s directive",
				    tok[i], tok[0]);
		if (seen & 1u << k)
			return fail(r, "%s= given twice", keys[k]);
		seen |= 1u << k;
		switch (k) {
		case 0:
			if (!in_list(val, vendors, 3))
				return fail(r, "vendor must be vtd, amd or smmu");
			SET_FIELD(d->vendor, val);
			break;
		case 1:
			rc = check_name(r, "unit", val, TRACE_NAME_MAX);
			if (rc)
				return rc;
			SET_FIELD(d->unit, val);
			break;
		case 2:
			if (!in_list(val, formats, 5))
				return fail(r, "format must be vtd-ss, x86-64, amd-v1, arm-s1 or arm-s2");
			SET_FIELD(d->format, val);
			break;
		case 3:
			if (!parse_dec(val, &v) || v < 1 || v > 6)
				return fail(r, "levels must be 1..6");
			d->levels = (unsigned int)v;
			break;
		case 4:
			if (!strcmp(val, "4k"))
				d->granule_lg2 = 12;
			else if (!strcmp(val, "16k"))
				d->granule_lg2 = 14;
			else if (!strcmp(val, "64k"))
				d->granule_lg2 = 16;
			else
				return fail(r, "granule must be 4k, 16k or 64k");
			break;
		case 5:
			if (!parse_dec(val, &v) || v < 12 || v > 64)
				return fail(r, "ias must be 12..64");
			d->ias = (unsigned int)v;
			break;
		case 6:
			rc = check_name(r, "domain", val, TRACE_NAME_MAX);
			if (rc)
				return rc;
			SET_FIELD(d->domain, val);
			break;
		case 7:
			if (!parse_num(val, &v) || v > UINT32_MAX)
				return fail(r, "sid must be a 32-bit number");
			d->sid = (uint32_t)v;
			d->has_sid = 1;
			break;
		}
	}
	if ((seen & required[d->kind]) != required[d->kind]) {
		for (unsigned int k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if ((required[d->kind] & ~seen) & 1u << k)
				return fail(r, "%s directive needs %s=", tok[0],
					    keys[k]);
	}
	return 2;
}

/* ---- the reader ------------------------------------------------------------ */

/* "# iommupt-trace 1" or "1.N" (a later minor revision of version 1). */
static int check_version(struct trace_reader *r)
{
	const char *v;
	uint64_t major;
	char num[24];
	size_t n;
	int rc;

	rc = read_line(r);
	if (rc < 0)
		return rc;
	r->line = 1; /* also for an empty file */
	if (!rc || strncmp(r->buf, TRACE_MAGIC, strlen(TRACE_MAGIC)))
		return fail(r, "not a trace: the first line must be '# iommupt-trace 1'");
	v = r->buf + strlen(TRACE_MAGIC);
	n = strcspn(v, ".");
	if (!n || n >= sizeof(num))
		return fail(r, "bad trace version");
	memcpy(num, v, n);
	num[n] = '\0';
	if (!parse_dec(num, &major))
		return fail(r, "bad trace version");
	if (v[n] == '.') {
		uint64_t minor;

		if (!parse_dec(v + n + 1, &minor))
			return fail(r, "bad trace version");
	}
	if (major != TRACE_MAJOR)
		return fail(r, "trace version %.20s is not supported (this reader reads version %d)",
			    num, TRACE_MAJOR);
	return 0;
}

int trace_reader_open(FILE *f, struct trace_reader **out)
{
	struct trace_reader *r;
	int rc;

	*out = NULL;
	if (!f)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->f = f;
	rc = check_version(r);
	*out = r;
	return rc ? -EINVAL : 0;
}

void trace_reader_close(struct trace_reader *r)
{
	free(r);
}

int trace_reader_next(struct trace_reader *r, struct trace_event *ev,
		      struct trace_directive *dir)
{
	char *tok[MAX_TOKENS];
	unsigned int n;
	char *s;
	int rc;

	if (r->failed)
		return -EINVAL;
	for (;;) {
		rc = read_line(r);
		if (rc <= 0)
			return rc;
		s = r->buf;
		while (is_space(*s))
			s++;
		if (!*s)
			continue; /* empty line */
		if (s[0] == '#') {
			if (s[1] == '!') {
				n = split(s + 2, tok, MAX_TOKENS);
				return parse_directive(r, tok, n, dir);
			}
			if (!s[1] || is_space(s[1]))
				continue; /* comment */
			return fail(r, "'#' must be followed by a space (comment) or '!' (directive)");
		}
		n = split(s, tok, MAX_TOKENS - 1);
		return parse_event(r, tok, n, ev);
	}
}

const char *trace_reader_error(const struct trace_reader *r)
{
	return r->failed ? r->msg : NULL;
}

unsigned long trace_reader_line(const struct trace_reader *r)
{
	return r->line;
}

/* ---- writers ----------------------------------------------------------------- */

int trace_write_header(FILE *f)
{
	return fprintf(f, "# iommupt-trace %d\n", TRACE_MAJOR) < 0 ? -EIO : 0;
}

/* Whether a fixed-size field holds a NUL-terminated string. */
static bool terminated(const char *s, size_t max)
{
	return memchr(s, '\0', max) != NULL;
}

static bool name_ok(const char *s)
{
	size_t n;

	if (!terminated(s, TRACE_NAME_MAX))
		return false;
	n = strlen(s);
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

/* The device checks of the reader, without a reader. */
static bool dev_ok(const char *s)
{
	struct trace_reader r;

	if (!terminated(s, TRACE_DEV_MAX) || !*s)
		return false;
	r.failed = false;
	return check_dev(&r, s) == 0;
}

int trace_write_directive(FILE *f, const struct trace_directive *d)
{
	char extra[64] = "";
	int rc;

	switch (d->kind) {
	case TRACE_DIR_UNIT:
		if (!name_ok(d->name) || !terminated(d->vendor, sizeof(d->vendor)) ||
		    !in_list(d->vendor, vendors, 3))
			return -EINVAL;
		rc = fprintf(f, "#! unit %s vendor=%s\n", d->name, d->vendor);
		break;
	case TRACE_DIR_DOMAIN: {
		size_t o = 0;

		if (!name_ok(d->name) || !name_ok(d->unit) ||
		    !terminated(d->format, sizeof(d->format)) ||
		    !in_list(d->format, formats, 5) || d->levels > 6 ||
		    (d->ias && (d->ias < 12 || d->ias > 64)) ||
		    (d->granule_lg2 && d->granule_lg2 != 12 &&
		     d->granule_lg2 != 14 && d->granule_lg2 != 16))
			return -EINVAL;
		if (d->levels)
			o += (size_t)snprintf(extra + o, sizeof(extra) - o,
					      " levels=%u", d->levels);
		if (d->granule_lg2)
			o += (size_t)snprintf(extra + o, sizeof(extra) - o,
					      " granule=%uk",
					      1u << (d->granule_lg2 - 10));
		if (d->ias)
			snprintf(extra + o, sizeof(extra) - o, " ias=%u", d->ias);
		rc = fprintf(f, "#! domain %s unit=%s format=%s%s\n", d->name,
			     d->unit, d->format, extra);
		break;
	}
	case TRACE_DIR_DEVICE:
		if (!dev_ok(d->name) || !name_ok(d->domain))
			return -EINVAL;
		if (d->has_sid)
			snprintf(extra, sizeof(extra), " sid=0x%" PRIx32, d->sid);
		rc = fprintf(f, "#! device %s domain=%s%s\n", d->name,
			     d->domain, extra);
		break;
	default:
		return -EINVAL;
	}
	return rc < 0 ? -EIO : 0;
}

int trace_write_event(FILE *f, const struct trace_event *ev)
{
	char flags[64], oa[24] = "-";
	size_t o = 0;
	int rc;

	if ((unsigned int)ev->op > TRACE_FAULT || !dev_ok(ev->dev) ||
	    !ev->size || ev->size - 1 > UINT64_MAX - ev->iova ||
	    (ev->has_pasid && ev->pasid > TRACE_PASID_MAX) ||
	    (ev->has_reason && (ev->op != TRACE_FAULT ||
				!trace_reason_name(ev->reason))))
		return -EINVAL;
	if (ev->op == TRACE_UNMAP ? ev->access != 0 :
	    (!ev->access || (ev->access & ~(uint32_t)(TRACE_R | TRACE_W))))
		return -EINVAL;
	if (ev->op == TRACE_MAP) {
		if (ev->size - 1 > UINT64_MAX - ev->oa)
			return -EINVAL;
		snprintf(oa, sizeof(oa), "0x%" PRIx64, ev->oa);
	}
	flags[0] = '\0';
	if (ev->access & TRACE_R)
		flags[o++] = 'r';
	if (ev->access & TRACE_W)
		flags[o++] = 'w';
	flags[o] = '\0';
	if (ev->has_reason)
		o += (size_t)snprintf(flags + o, sizeof(flags) - o, "%sreason=%s",
				      o ? "," : "", trace_reason_name(ev->reason));
	if (ev->has_pasid)
		o += (size_t)snprintf(flags + o, sizeof(flags) - o, "%spasid=%" PRIu32,
				      o ? "," : "", ev->pasid);
	if (!o)
		strcpy(flags, "-");
	rc = fprintf(f, "%" PRIu64 " %s %s 0x%" PRIx64 " 0x%" PRIx64 " %s %s\n",
		     ev->time_ns, ev->dev, op_names[ev->op], ev->iova, ev->size,
		     oa, flags);
	return rc < 0 ? -EIO : 0;
}
