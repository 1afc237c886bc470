// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommupt: command-line front end of the table inspector.
 *
 *   iommupt inspect  --image FILE [--base ADDR | --raw | --elf] START [--json]
 *   iommupt validate --image FILE [--base ADDR | --raw | --elf] START [--json]
 *
 * FILE is a raw memory image at ADDR (default 0) or an ELF64 core (QEMU's
 * dump-guest-memory), recognised by its magic. START is one of
 *   --vtd-rtaddr REG                     VT-d root table (RTADDR_REG value:
 *                                        TTM picks legacy or scalable mode)
 *   --amd-devtab REG [--amd-devtab-size BYTES]  AMD-Vi device table
 *   --smmu-strtab ADDR --log2size N [--split N]  SMMUv3 stream table
 *   --root ADDR --format FMT [--levels N] [--ias BITS] [--oas BITS]
 *          [--granule 4k|16k|64k] [--concat]
 * Exit status: 0 clean, 1 validate found problems, 2 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect.h"

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fputs("usage: iommupt inspect|validate --image FILE [--base ADDR|--raw|--elf] START [--json]\n"
	      "FILE: a raw memory image starting at --base (default 0), or an ELF64\n"
	      "  core such as QEMU's dump-guest-memory writes (found by its magic;\n"
	      "  --raw or --elf force the choice)\n"
	      "START:\n"
	      "  --vtd-rtaddr REG    VT-d root table: the RTADDR_REG value (address;\n"
	      "                      TTM bits 11:10 00b legacy, 01b scalable mode)\n"
	      "  --amd-devtab REG [--amd-devtab-size BYTES]\n"
	      "                      AMD-Vi device table: the Device Table Base\n"
	      "                      register (address; size from bits 8:0 unless given)\n"
	      "  --smmu-strtab ADDR --log2size N [--split 6|8|10]\n"
	      "                      SMMUv3 stream table (linear, or 2-level with SPLIT)\n"
	      "  --root ADDR --format vtd-ss|x86-64|amd-v1|arm-s1|arm-s2\n"
	      "      [--levels N] [--ias BITS] [--oas BITS] [--granule 4k|16k|64k]\n"
	      "      [--concat]      a page-table root with its format\n"
	      "inspect prints the mapped ranges; validate prints findings with\n"
	      "the specification section and exits 1 when there are any.\n"
	      "Exit status 2: usage or I/O error.\n", f);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static int parse_uint(const char *s, unsigned int max, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || x > max)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int parse_format(const char *s, uint32_t *fmt)
{
	static const struct {
		const char *name;
		uint32_t fmt;
	} names[] = {
		{ "vtd-ss", IOMMUPT_FMT_VTD_SS }, { "x86-64", IOMMUPT_FMT_X86_64 },
		{ "amd-v1", IOMMUPT_FMT_AMD_V1 }, { "arm-s1", IOMMUPT_FMT_ARM_S1 },
		{ "arm-s2", IOMMUPT_FMT_ARM_S2 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*fmt = names[i].fmt;
			return 0;
		}
	}
	return -1;
}

static int parse_granule(const char *s, uint32_t *lg2)
{
	if (!strcmp(s, "4k") || !strcmp(s, "12"))
		*lg2 = 12;
	else if (!strcmp(s, "16k") || !strcmp(s, "14"))
		*lg2 = 14;
	else if (!strcmp(s, "64k") || !strcmp(s, "16"))
		*lg2 = 16;
	else
		return -1;
	return 0;
}

enum {
	OPT_IMAGE = 256, OPT_BASE, OPT_JSON, OPT_RTADDR, OPT_ROOT, OPT_FORMAT,
	OPT_LEVELS, OPT_IAS, OPT_OAS, OPT_GRANULE, OPT_CONCAT, OPT_HELP,
	OPT_RAW, OPT_ELF, OPT_AMD, OPT_AMD_SIZE, OPT_SMMU, OPT_LOG2SIZE,
	OPT_SPLIT,
};

static const struct option long_opts[] = {
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "vtd-rtaddr", required_argument, NULL, OPT_RTADDR },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "levels", required_argument, NULL, OPT_LEVELS },
	{ "ias", required_argument, NULL, OPT_IAS },
	{ "oas", required_argument, NULL, OPT_OAS },
	{ "granule", required_argument, NULL, OPT_GRANULE },
	{ "concat", no_argument, NULL, OPT_CONCAT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "elf", no_argument, NULL, OPT_ELF },
	{ "amd-devtab", required_argument, NULL, OPT_AMD },
	{ "amd-devtab-size", required_argument, NULL, OPT_AMD_SIZE },
	{ "smmu-strtab", required_argument, NULL, OPT_SMMU },
	{ "log2size", required_argument, NULL, OPT_LOG2SIZE },
	{ "split", required_argument, NULL, OPT_SPLIT },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "iommupt: invalid %s: %s\n", what, arg ? arg : "");
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct insp_opts o = { 0 };
	const char *image = NULL;
	uint64_t base = 0;
	bool have_format = false, have_base = false, have_log2size = false;
	bool have_split = false;
	uint32_t v32;
	struct stat st;
	void *data;
	int fd, opt, rc;

	o.cfg.sz = sizeof(o.cfg);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "validate"))
		o.validate = true;
	else if (strcmp(argv[1], "inspect"))
		return bad("subcommand", argv[1]);

	optind = 2;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_IMAGE:
			image = optarg;
			break;
		case OPT_BASE:
			if (parse_u64(optarg, &base))
				return bad("--base", optarg);
			have_base = true;
			break;
		case OPT_RAW:
		case OPT_ELF:
			if (o.input)
				return bad("command line", "--raw and --elf exclude each other");
			o.input = opt == OPT_RAW ? INSP_IN_RAW : INSP_IN_ELF;
			break;
		case OPT_AMD_SIZE:
			if (parse_u64(optarg, &o.amd_dt_size) || !o.amd_dt_size)
				return bad("--amd-devtab-size", optarg);
			break;
		case OPT_LOG2SIZE:
			if (parse_uint(optarg, 32, &v32))
				return bad("--log2size", optarg);
			o.smmu_log2size = v32;
			have_log2size = true;
			break;
		case OPT_SPLIT:
			if (parse_uint(optarg, 10, &v32) ||
			    (v32 != 6 && v32 != 8 && v32 != 10))
				return bad("--split", optarg);
			o.smmu_split = v32;
			have_split = true;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_RTADDR:
		case OPT_ROOT:
		case OPT_AMD:
		case OPT_SMMU:
			if (o.start)
				return bad("second starting point", optarg);
			if (parse_u64(optarg, &o.addr))
				return bad(opt == OPT_ROOT ? "--root" :
					   opt == OPT_AMD ? "--amd-devtab" :
					   opt == OPT_SMMU ? "--smmu-strtab" :
					   "--vtd-rtaddr", optarg);
			o.start = opt == OPT_ROOT ? INSP_START_ROOT :
				  opt == OPT_AMD ? INSP_START_AMD_DT :
				  opt == OPT_SMMU ? INSP_START_SMMU_ST :
				  INSP_START_VTD;
			break;
		case OPT_FORMAT:
			if (parse_format(optarg, &o.cfg.format))
				return bad("--format", optarg);
			have_format = true;
			break;
		case OPT_LEVELS:
			if (parse_uint(optarg, IOMMUPT_MAX_LEVELS, &o.cfg.levels))
				return bad("--levels", optarg);
			break;
		case OPT_IAS:
			if (parse_uint(optarg, 64, &o.cfg.ias_lg2))
				return bad("--ias", optarg);
			break;
		case OPT_OAS:
			if (parse_uint(optarg, 64, &o.cfg.oas_lg2))
				return bad("--oas", optarg);
			break;
		case OPT_GRANULE:
			if (parse_granule(optarg, &o.cfg.granule_lg2))
				return bad("--granule", optarg);
			break;
		case OPT_CONCAT:
			o.cfg.flags |= IOMMUPT_CFG_ARM_CONCAT;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return bad("argument", argv[optind]);
	if (!image)
		return bad("command line", "--image is required");
	if (!o.start)
		return bad("command line", "a starting point (--root, --vtd-rtaddr, --amd-devtab or --smmu-strtab) is required");
	if (o.start == INSP_START_ROOT && !have_format)
		return bad("command line", "--root needs --format");
	if (o.start != INSP_START_ROOT && have_format)
		return bad("command line", "--format goes with --root");
	if (o.amd_dt_size && o.start != INSP_START_AMD_DT)
		return bad("command line", "--amd-devtab-size goes with --amd-devtab");
	if ((have_log2size || have_split) != (o.start == INSP_START_SMMU_ST) ||
	    (o.start == INSP_START_SMMU_ST && !have_log2size))
		return bad("command line", "--smmu-strtab needs --log2size (and --split for a 2-level table); they go with it only");
	if (have_base && o.input == INSP_IN_ELF)
		return bad("command line", "an ELF core places itself: no --base");

	fd = open(image, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "iommupt: %s: %s\n", image, strerror(errno));
		return EXIT_USAGE;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		fprintf(stderr, "iommupt: %s: not a non-empty regular file\n",
			image);
		close(fd);
		return EXIT_USAGE;
	}
	/* Read-only and private: nothing the tool does can change the image. */
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED) {
		fprintf(stderr, "iommupt: %s: mmap: %s\n", image, strerror(errno));
		return EXIT_USAGE;
	}
	rc = insp_run(&o, data, (uint64_t)st.st_size, base, stdout, stderr);
	munmap(data, (size_t)st.st_size);
	if (fflush(stdout)) {
		fprintf(stderr, "iommupt: writing the report: %s\n",
			strerror(errno));
		return EXIT_USAGE;
	}
	if (rc < 0)
		return EXIT_USAGE;
	return rc > 0 ? EXIT_FINDINGS : 0;
}
