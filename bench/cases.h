/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* The benchmark cases; the table that runs them is in main.c. */
#ifndef BENCH_CASES_H
#define BENCH_CASES_H

#include "harness.h"

/* cases-map.c */
void bench_case_single(struct bench_ctx *c);
void bench_case_bulk256(struct bench_ctx *c);
void bench_case_gig(struct bench_ctx *c);
void bench_case_mix(struct bench_ctx *c);
void bench_case_threads(struct bench_ctx *c);

/* cases-dirty.c */
void bench_case_dirty(struct bench_ctx *c);

/* cases-serialize.c */
void bench_case_serialize(struct bench_ctx *c);

/* cases-sim.c */
void bench_case_sim(struct bench_ctx *c);

#endif
