#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# Smoke test of the benchmark harness (not a speed test): a quick run must
# finish, emit JSON that parses, report every map/unmap case for every
# format it ran, each with a figure and, where it has one, a ratio.
set -u
bench="${top_builddir:-.}/bench/iommupt-bench"
out="${TMPDIR:-/tmp}/iommupt-bench-smoke.$$.json"
trap 'rm -f "$out"' EXIT

"$bench" --quick --reps 1 --warmup 0 --json >"$out"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "iommupt-bench exited with $rc" >&2
	cat "$out" >&2
	exit 1
fi

if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
	python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
expect = ["4K map+unmap", "4K map", "4K unmap", "256x4K map", "256x4K unmap",
          "256x2M map", "256x2M unmap", "1G of 4K map", "1G of 4K unmap",
          "1G of 2M map", "1G of 2M unmap", "mix map/unmap",
          "4K map+unmap 1 thr", "4K map+unmap 2 thr",
          "serialize copy 1G/4K", "restore copy 1G/4K",
          "serialize in-place 1G/4K", "restore in-place 1G/4K"]
rows = {}
for r in doc["results"]:
    rows.setdefault(r["format"], {})[r["case"]] = r
bad = []
for fmt in ("vtdss-3lvl", "vtdss-4lvl", "vtdss-5lvl", "x86-64-4lvl", "x86-64-5lvl"):
    if fmt not in rows:
        bad.append(fmt + ": no results")
for fmt, cases in rows.items():
    for name in expect:
        if name not in cases and fmt.startswith(("vtdss", "x86-64")):
            bad.append("%s/%s: missing" % (fmt, name))
    for name, r in cases.items():
        if r["status"] != "ok":
            bad.append("%s/%s: %s" % (fmt, name, r.get("error")))
        elif not r["median_ns"] > 0:
            bad.append("%s/%s: no figure" % (fmt, name))
        elif "reference" in r and not r["ratio"] > 0:
            bad.append("%s/%s: no ratio" % (fmt, name))
        elif name.startswith(("serialize ", "restore ")) and \
                not r.get("mb_per_s", 0) > 0:
            bad.append("%s/%s: no MB/s" % (fmt, name))
# the simulator case: its rows on the simulated formats, each with the
# counters that show it measured the path it names (not its speed)
for fmt in ("vtdss-4lvl", "amdv1-4lvl"):
    sim = {n: r for n, r in rows.get(fmt, {}).items() if n.startswith("sim ")}
    for prefix, hit in (("sim hit 1 page", (99, 100)),
                        ("sim hit 256 pages", (99, 100)),
                        ("sim full walk ", (0, 0)),
                        ("sim random ", (0, 50))):
        got = [r for n, r in sim.items() if n.startswith(prefix)]
        if not got:
            bad.append("%s/%s: missing" % (fmt, prefix.strip()))
            continue
        m = got[0].get("metrics", {})
        if got[0]["status"] != "ok":
            continue
        if not (got[0].get("ops_per_s", 0) > 0 and m.get("cyc/xlate", 0) > 0
                and "IOTLB hit %" in m):
            bad.append("%s/%s: no rate, cycles or hit rate" % (fmt, prefix.strip()))
        elif not hit[0] <= m["IOTLB hit %"] <= hit[1]:
            bad.append("%s/%s: IOTLB hit rate %.2f%%, not the path it names"
                       % (fmt, prefix.strip(), m["IOTLB hit %"]))
kinds = {ref["name"] for ref in doc["references"]}
for k in ("store-loop", "dep-chain", "memcpy"):
    if k not in kinds:
        bad.append("reference %s not measured" % k)
for b in bad:
    print("FAIL", b)
print("%d rows, %d references, %.2f s" % (len(doc["results"]),
      len(doc["references"]), doc["seconds"]))
sys.exit(1 if bad else 0)
PY
elif command -v jq >/dev/null 2>&1; then
	jq -e '(.results | length > 0) and all(.results[]; .status == "ok")' \
		"$out" >/dev/null || { echo "bad JSON or a failed row" >&2; exit 1; }
else
	echo "neither python3 nor jq: cannot check the JSON" >&2
	exit 77
fi
