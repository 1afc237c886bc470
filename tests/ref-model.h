/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * A reference model of an I/O address space, independent of the engine:
 * the set of leaves (start, size, oa, prot) in hash tables, with per-block
 * counts so overlap checks and range removal cost what is populated. Map
 * splits a range greedily into the largest allowed sizes, as hardware
 * formats do; unmap refuses to cut a leaf.
 */
#ifndef TESTS_REF_MODEL_H
#define TESTS_REF_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "helpers.h"

struct ref_model;

struct ref_model *ref_create(uint64_t pgsize_bitmap);
void ref_destroy(struct ref_model *ref);
/* 0, or -EEXIST with nothing changed. The shape is the caller's concern. */
int ref_map(struct ref_model *ref, uint64_t iova, uint64_t oa, uint64_t len,
	    uint32_t prot);
/* 0 and bytes removed, or -EINVAL (a leaf straddles an end), unchanged. */
int ref_unmap(struct ref_model *ref, uint64_t iova, uint64_t len,
	      uint64_t *bytes);
/* Unmap with IOMMUPT_UNMAP_SPLIT: cut leaves keep what lies outside. */
int ref_unmap_split(struct ref_model *ref, uint64_t iova, uint64_t len,
		    uint64_t *bytes);
int ref_lookup(struct ref_model *ref, uint64_t iova, uint64_t *oa,
	       uint32_t *prot, unsigned int *size_lg2);
uint64_t ref_leaves(const struct ref_model *ref);
uint64_t ref_splits(const struct ref_model *ref);
/* Whether a domain snapshot holds exactly the model's leaves. */
bool ref_matches(struct ref_model *ref, const struct snapshot *snap,
		 char *why, size_t why_len);

#endif
