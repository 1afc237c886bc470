/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * `iommu-sim replay`: rebuild the units, domains and DMA stream a trace
 * (sim/TRACE.md) describes and check its fault expectations.
 */
#ifndef TOOLS_SIM_REPLAY_H
#define TOOLS_SIM_REPLAY_H

/*
 * argv[0] is the sub-command's name ("replay"), options and the trace
 * file follow: iommu-sim replay [--json] [--mappings] [--quiet] TRACE.
 * Returns the exit status: 0 when every expectation held, 1 when one
 * failed, 2 for a malformed trace, a bad configuration or a usage error.
 */
int sim_replay_main(int argc, char **argv);

#endif
