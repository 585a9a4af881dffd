#!/usr/bin/env python3
"""Draws the JSON results of the benchmark suite (`zmq-bench --json PATH`, schema 1) as PNG charts.

    .venv/bin/python Scripts/bench-charts.py RESULTS.json [--out DIR]

Writes into DIR (default: the repository's Docs/Images) each chart the results have data for:
    bench-throughput.png  receive throughput per transport and size, as a ratio to raw libzmq
    bench-latency.png     round-trip p50 and p99 per pattern, transport and size
    bench-peers.png       64 B tcp throughput and REQ/REP latency beside pyzmq (when the peers ran)
    bench-scale.png       throughput against the number of sockets (when the scale runs ran)
    bench-typed.png       typed calls over tcp beside raw libzmq and grpc-swift 2: round-trip p50/p99
                          with one call in flight, and calls per second with 64 in flight
and prints the paths it wrote. Needs matplotlib: Scripts/install-bench-tools.sh puts it in .venv.
"""
import argparse
import json
import math
import sys
from pathlib import Path

try:
    import matplotlib
except ImportError as error:
    print(f"matplotlib is not installed ({error}): run Scripts/install-bench-tools.sh and use .venv/bin/python.",
          file=sys.stderr)
    sys.exit(3)
matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
TRANSPORTS = ("tcp", "ipc", "inproc")
DPI = 110
ROW_HEIGHT = 4.0  # inches per row of subplots
WIDTH = 11.0

# Variants in the order zmq-bench's tables list them, raw first; variants not listed follow in the
# order they appear. The framework's receive variants share a colour with the client variants that
# run the same way, so a colour means the same thing in every chart.
VARIANT_ORDER = (
    "raw", "ordinary-task", "task-executor", "isolated", "async-sequence", "async-sequence-task-executor",
    "framework-ordinary-task", "framework-request", "framework-request-busy-polling", "framework-isolated", "framework-both-ends",
    "pyzmq-sync", "pyzmq-asyncio",
)
VARIANT_COLORS = {
    "raw": "#4d4d4d",
    "ordinary-task": "#d62728", "framework-ordinary-task": "#d62728",
    "task-executor": "#ff7f0e",
    "isolated": "#2ca02c", "framework-isolated": "#2ca02c",
    "async-sequence": "#1f77b4", "async-sequence-task-executor": "#17becf",
    "framework-request": "#bcbd22",
    "framework-both-ends": "#9467bd",
    "pyzmq-sync": "#e377c2", "pyzmq-asyncio": "#8c564b",
}
SPARE_COLORS = ("#7f7f7f", "#aec7e8", "#98df8a", "#ffbb78", "#c5b0d5")

# The framework's throughput goals as ratios to raw libzmq, drawn on the tcp subplot in the colour
# of the variant each applies to.
THROUGHPUT_TARGETS = (
    (0.8, "AsyncSequence", "async-sequence"),
    (0.7, "isolated", "isolated"),
    (0.5, "task executor", "task-executor"),
    (0.25, "ordinary task", "ordinary-task"),
)


def color_of(variant):
    """The variant's colour; an unknown variant gets the next spare one and keeps it."""
    if variant not in VARIANT_COLORS:
        spare_count = sum(1 for known in VARIANT_COLORS if known not in VARIANT_ORDER)
        VARIANT_COLORS[variant] = SPARE_COLORS[spare_count % len(SPARE_COLORS)]
    return VARIANT_COLORS[variant]


def ordered_variants(entries):
    appearance = list(dict.fromkeys(entry["variant"] for entry in entries))
    return sorted(appearance, key=lambda variant: (
        VARIANT_ORDER.index(variant) if variant in VARIANT_ORDER else len(VARIANT_ORDER), appearance.index(variant)))


def variant_labels(entries):
    """Each variant's human-readable label (its first one in the file), or its id when it has none."""
    labels = {}
    for entry in entries:
        if not labels.get(entry["variant"]):
            labels[entry["variant"]] = entry.get("label")
    return {variant: label or variant for variant, label in labels.items()}


def ordered_transports(entries):
    present = list(dict.fromkeys(entry["transport"] for entry in entries))
    return [transport for transport in TRANSPORTS if transport in present] + \
        [transport for transport in present if transport not in TRANSPORTS]


def complete(entries, *keys):
    """The entries that have every key (the file omits figures it does not have)."""
    return [entry for entry in entries or []
            if isinstance(entry, dict) and all(entry.get(key) is not None for key in keys)]


def size_text(size):
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} B"


def count_text(value):
    """2.6M, 850k, 31k, 950: a rate as people say it."""
    if value >= 1e6:
        return f"{value / 1e6:.2g}M"
    if value >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def microseconds_text(value):
    return f"{value:,.0f} µs" if value >= 100 else f"{value:.3g} µs"


def plain_log_ticks(log_axis, text=lambda value: f"{value:g}"):
    """Labels a log axis 20, 50, 100, 200… (through `text`) instead of matplotlib's 2×10¹ style."""
    def label(value, _position):
        leading_digit = round(value / 10 ** math.floor(math.log10(value))) if value > 0 else 0
        return text(value) if leading_digit in (1, 2, 5) else ""

    log_axis.set_major_formatter(FuncFormatter(label))
    log_axis.set_minor_formatter(FuncFormatter(label))


def subtitle(results):
    """Date, commit and machine of the run, so a chart cannot be mistaken for another run's."""
    machine = results.get("machine") or {}
    settings = results.get("settings") or {}
    date = str(results.get("date", "")).replace("T", " ").replace("Z", " UTC")
    parts = [
        date,
        f"commit {results['commit']}" if results.get("commit") else None,
        f"{machine['cores']} cores" if machine.get("cores") else None,
        machine.get("system"),
        f"libzmq {machine['libzmq']}" if machine.get("libzmq") else None,
        f"Swift {machine['swift']}" if machine.get("swift") else None,
        "quick run" if settings.get("quick") else None,
    ]
    return " · ".join(part for part in parts if part)


def new_figure(results, title, rows, columns=1, row_height=ROW_HEIGHT):
    figure, axes = plt.subplots(rows, columns, figsize=(WIDTH, row_height * rows), squeeze=False,
                                layout="constrained")
    figure.suptitle("\n".join(line for line in (title, subtitle(results)) if line), fontsize=12)
    return figure, list(axes.flat)


def save(figure, out_dir, name):
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    figure.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return path


def bar_offsets(count, group_width=0.8):
    """Centre offsets and width of `count` bars side by side in one category."""
    width = group_width / count
    return [(index - (count - 1) / 2) * width for index in range(count)], width


def variant_legend(figure, variants, labels, extra_handles=()):
    handles = [Patch(color=color_of(variant), label=labels[variant]) for variant in variants] + list(extra_handles)
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False)


def throughput_ratio(entry, raw_rate):
    """The entry's ratio to raw, worked out from its rate when the file has none."""
    if entry is None:
        return None
    if entry.get("ratio") is not None:
        return entry["ratio"]
    if entry.get("rate") is not None and raw_rate:
        return entry["rate"] / raw_rate
    return None


def throughput_chart(results, out_dir):
    entries = complete(results.get("throughput"), "transport", "size", "variant")
    transports = ordered_transports(entries)
    if not transports:
        return None
    variants = ordered_variants(entries)
    labels = variant_labels(entries)
    offsets, width = bar_offsets(len(variants))
    target_transport = "tcp" if "tcp" in transports else transports[0]
    figure, axes = new_figure(results, "Receive throughput, as a ratio to raw libzmq (higher is better)",
                              rows=len(transports))

    for axis, transport in zip(axes, transports):
        rows = [entry for entry in entries if entry["transport"] == transport]
        sizes = sorted({entry["size"] for entry in rows})
        by_key = {(entry["size"], entry["variant"]): entry for entry in rows}
        raw_rates = {entry["size"]: entry["rate"] for entry in complete(rows, "rate") if entry["variant"] == "raw"}
        tallest = 1.0
        for offset, variant in zip(offsets, variants):
            for position, size in enumerate(sizes):
                entry = by_key.get((size, variant))
                ratio = throughput_ratio(entry, raw_rates.get(size))
                if ratio is None:
                    continue
                tallest = max(tallest, ratio)
                axis.bar(position + offset, ratio, width, color=color_of(variant))
                if variant == "raw" and size in raw_rates:
                    axis.annotate(f"{count_text(raw_rates[size])}/s", (position + offset, ratio), xytext=(0, 3),
                                  textcoords="offset points", ha="center", va="bottom", fontsize=8, rotation=90)
        axis.axhline(1.0, color="black", linewidth=0.8)
        if transport == target_transport:
            for ratio, name, variant in THROUGHPUT_TARGETS:
                axis.axhline(ratio, color=color_of(variant), linewidth=0.8, linestyle="--")
                axis.annotate(f"{ratio:g} {name}", (1, ratio), xycoords=("axes fraction", "data"), xytext=(4, 0),
                              textcoords="offset points", va="center", fontsize=8, color=color_of(variant))
        axis.set_title(transport, loc="left", fontweight="bold")
        axis.set_xticks(range(len(sizes)), [size_text(size) for size in sizes])
        axis.set_xlabel("message size")
        axis.set_ylabel("ratio to raw")
        axis.set_ylim(0, tallest * 1.25)  # room for the raw rates above the bars
        axis.grid(axis="y", alpha=0.3)

    variant_legend(figure, variants, labels)
    return save(figure, out_dir, "bench-throughput.png")


def latency_chart(results, out_dir):
    entries = [entry for entry in complete(results.get("latency"), "pattern", "transport", "size", "variant", "p50")
               if entry["p50"] > 0]  # the axis is logarithmic
    if not entries:
        return None
    patterns = list(dict.fromkeys(entry["pattern"] for entry in entries))
    panels = [(pattern, transport) for pattern in patterns
              for transport in ordered_transports([entry for entry in entries if entry["pattern"] == pattern])]
    variants = ordered_variants(entries)
    labels = variant_labels(entries)
    offsets, width = bar_offsets(len(variants))
    columns = 2 if len(panels) > 1 else 1
    figure, axes = new_figure(results, "Round-trip latency, p50 and p99 (lower is better)",
                              rows=math.ceil(len(panels) / columns), columns=columns)

    for axis, (pattern, transport) in zip(axes, panels):
        rows = [entry for entry in entries if (entry["pattern"], entry["transport"]) == (pattern, transport)]
        sizes = sorted({entry["size"] for entry in rows})
        by_key = {(entry["size"], entry["variant"]): entry for entry in rows}
        for offset, variant in zip(offsets, variants):
            for position, size in enumerate(sizes):
                entry = by_key.get((size, variant))
                if entry is None:
                    continue
                axis.bar(position + offset, entry["p50"], width, color=color_of(variant))
                if entry.get("p99", 0) > entry["p50"]:
                    axis.bar(position + offset, entry["p99"] - entry["p50"], width, bottom=entry["p50"],
                             color=color_of(variant), alpha=0.3)
        # Log scale: 64 KiB round trips and p99 outliers would flatten the small sizes on a linear one.
        axis.set_yscale("log")
        axis.set_ylim(bottom=min(entry["p50"] for entry in rows) / 2)
        axis.set_ylabel("µs per round trip (log)")
        plain_log_ticks(axis.yaxis)
        axis.set_title(f"{pattern} · {transport}", loc="left", fontweight="bold")
        axis.set_xticks(range(len(sizes)), [size_text(size) for size in sizes])
        axis.grid(axis="y", which="both", alpha=0.2)
    for unused in axes[len(panels):]:
        unused.set_visible(False)

    percentiles = [Patch(color="#4d4d4d", label="p50: top of the solid bar"),
                   Patch(color="#4d4d4d", alpha=0.3, label="p99: top of the light bar")]
    variant_legend(figure, variants, labels, percentiles)
    return save(figure, out_dir, "bench-latency.png")


def peers_chart(results, out_dir):
    """The framework beside raw libzmq and pyzmq at 64 B over tcp: what a user would otherwise pick.

    A panel is drawn only when pyzmq has a figure for it.
    """
    peers = results.get("peers") or {}

    def at_64_bytes_tcp(entries, value_key, pattern=None):
        matching = [entry for entry in complete(entries, "variant", value_key)
                    if entry[value_key] > 0 and entry.get("transport") == "tcp" and entry.get("size") == 64
                    and (pattern is None or entry.get("pattern") == pattern)]
        order = ordered_variants(matching)
        return [(entry, entry[value_key])
                for entry in sorted(matching, key=lambda entry: order.index(entry["variant"]))]

    panels = []
    pyzmq_rates = at_64_bytes_tcp(peers.get("throughput"), "rate")
    if pyzmq_rates:
        panels.append(("Throughput, 64 B over tcp (higher is better)", "messages/s",
                       at_64_bytes_tcp(results.get("throughput"), "rate") + pyzmq_rates,
                       lambda value: f"{count_text(value)}/s", count_text))
    pyzmq_latencies = at_64_bytes_tcp(peers.get("latency"), "mean", "REQ/REP")
    if pyzmq_latencies:
        panels.append(("REQ/REP mean round trip, 64 B over tcp (lower is better)", "µs per round trip",
                       at_64_bytes_tcp(results.get("latency"), "mean", "REQ/REP") + pyzmq_latencies,
                       microseconds_text, lambda value: f"{value:g}"))
    if not panels:
        return None
    machine = results.get("machine") or {}
    versions = " (pyzmq {}, its libzmq {})".format(machine.get("pyzmq", "?"), machine.get("pyzmqLibzmq", "?")) \
        if machine.get("pyzmq") else ""
    most_bars = max(len(bars) for _, _, bars, _, _ in panels)
    figure, axes = new_figure(results, f"The framework beside raw libzmq and pyzmq{versions}", rows=len(panels),
                              row_height=1.2 + 0.35 * most_bars)

    for axis, (title, unit, bars, value_text, tick_text) in zip(axes, panels):
        labels = variant_labels([entry for entry, _ in bars])
        positions = range(len(bars))
        values = [value for _, value in bars]
        axis.barh(positions, values, color=[color_of(entry["variant"]) for entry, _ in bars])
        for position, value in zip(positions, values):
            axis.annotate(value_text(value), (value, position), xytext=(4, 0), textcoords="offset points",
                          va="center", fontsize=9)
        axis.set_yticks(positions, [labels[entry["variant"]] for entry, _ in bars])
        axis.invert_yaxis()  # raw on top
        axis.set_xscale("log")
        axis.set_xlim(min(values) / 2, max(values) * 3)  # room for the value labels
        plain_log_ticks(axis.xaxis, tick_text)
        axis.set_xlabel(f"{unit} (log)")
        axis.set_title(title, loc="left", fontweight="bold")
        axis.grid(axis="x", which="both", alpha=0.2)
    return save(figure, out_dir, "bench-peers.png")


def scale_chart(results, out_dir):
    entries = [entry for entry in complete(results.get("scale"), "sockets", "variant", "rate")
               if entry["sockets"] > 0]  # the sockets axis is logarithmic
    if not entries:
        return None
    labels = variant_labels(entries)
    loop_counts = sorted({entry.get("loops") for entry in entries}, key=lambda loops: (loops is None, loops))
    line_styles = ("-", "--", ":", "-.")
    figure, (axis,) = new_figure(results, "Throughput against the number of sockets", rows=1)

    for variant in ordered_variants(entries):
        for loops in loop_counts:
            points = sorted((entry["sockets"], entry["rate"]) for entry in entries
                            if entry["variant"] == variant and entry.get("loops") == loops)
            if not points:
                continue
            loop_text = "" if loops is None else f", {loops} loop{'' if loops == 1 else 's'}"
            axis.plot([sockets for sockets, _ in points], [rate for _, rate in points], marker="o",
                      color=color_of(variant), linestyle=line_styles[loop_counts.index(loops) % len(line_styles)],
                      label=labels[variant] + loop_text)
    axis.set_xscale("log")
    plain_log_ticks(axis.xaxis)
    axis.set_xlabel("sockets (log)")
    axis.set_ylabel("messages/s")
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: count_text(value) if value > 0 else "0"))
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend(frameon=False)
    return save(figure, out_dir, "bench-scale.png")


def typed_family_color(variant):
    """Typed rows by family: raw libzmq grey, ZeroMQ's typed calls blue, grpc-swift 2 red."""
    if variant.startswith("raw"):
        return "#4d4d4d"
    if "grpc" in variant:
        return "#ff9896" if "no-coalescing" in variant else "#d62728"
    return "#1f77b4"


def typed_chart(results, out_dir):
    """Typed calls over tcp beside raw libzmq and grpc-swift 2: latency with one call in flight (a
    panel per body size), calls/s with 64 in flight (horizontal bars, log scales: gRPC is an order
    of magnitude from the others)."""
    latency = [entry for entry in complete(results.get("typed"), "transport", "variant", "p50")
               if entry["transport"] == "tcp" and entry["p50"] > 0]
    throughput = [entry for entry in complete(results.get("typedThroughput"), "variant", "rate")
                  if entry["rate"] > 0]
    sizes = sorted({entry.get("size", 64) for entry in latency})
    panels = [("latency", [entry for entry in latency if entry.get("size", 64) == size]) for size in sizes]
    if throughput:
        panels.append(("throughput", throughput))
    if not panels:
        return None
    heights = [0.45 * len(rows) + 1.2 for _, rows in panels]
    figure, axes = plt.subplots(len(panels), 1, figsize=(WIDTH, sum(heights)), squeeze=False,
                                layout="constrained", gridspec_kw={"height_ratios": heights})
    figure.suptitle("Typed calls over tcp loopback: ZeroMQ beside grpc-swift 2\n" + subtitle(results), fontsize=12)

    for axis, (kind, rows) in zip(axes.flat, panels):
        positions = list(range(len(rows)))[::-1]  # the first row on top
        if kind == "latency":
            for position, entry in zip(positions, rows):
                color = typed_family_color(entry["variant"])
                axis.barh(position, entry["p50"], 0.7, color=color)
                if entry.get("p99", 0) > entry["p50"]:
                    axis.barh(position, entry["p99"] - entry["p50"], 0.7, left=entry["p50"], color=color, alpha=0.3)
                end = max(entry["p50"], entry.get("p99", 0))
                text = f"p50 {microseconds_text(entry['p50'])}" + \
                    (f" · p99 {microseconds_text(entry['p99'])}" if entry.get("p99") else "")
                axis.annotate(text, (end, position), va="center", ha="left", fontsize=8, xytext=(3, 0),
                              textcoords="offset points")
            axis.set_xscale("log")
            # Room on the left for the shortest bar and on the right for the figures after the longest.
            axis.set_xlim(min(entry["p50"] for entry in rows) / 2,
                          max(max(entry["p50"], entry.get("p99", 0)) for entry in rows) * 4)
            plain_log_ticks(axis.xaxis)
            axis.set_xlabel("µs per call: p50 (solid), p99 (light); log scale, lower is better")
            axis.set_title(f"one call in flight, {size_text(rows[0].get('size', 64))} bodies", loc="left",
                           fontweight="bold")
        else:
            for position, entry in zip(positions, rows):
                axis.barh(position, entry["rate"], 0.7, color=typed_family_color(entry["variant"]))
                axis.annotate(count_text(entry["rate"]) + " calls/s", (entry["rate"], position), va="center",
                              ha="left", fontsize=8, xytext=(3, 0), textcoords="offset points")
            axis.set_xscale("log")
            axis.set_xlim(min(entry["rate"] for entry in rows) / 2, max(entry["rate"] for entry in rows) * 3)
            plain_log_ticks(axis.xaxis, count_text)
            callers = next((entry.get("callers") for entry in rows if entry.get("callers")), 64)
            axis.set_xlabel("calls per second; log scale, higher is better")
            axis.set_title(f"{callers} calls in flight, {size_text(rows[0].get('size', 64))} bodies", loc="left",
                           fontweight="bold")
        axis.set_yticks(positions, [entry.get("label") or entry["variant"] for entry in rows])
        axis.grid(axis="x", which="both", alpha=0.2)
    return save(figure, out_dir, "bench-typed.png")


def main():
    parser = argparse.ArgumentParser(description="Draw zmq-bench's JSON results as PNG charts.")
    parser.add_argument("results", type=Path, help="the file `zmq-bench --json PATH` wrote")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "Docs" / "Images",
                        help="directory for the PNG files (default: the repository's Docs/Images)")
    args = parser.parse_args()

    try:
        results = json.loads(args.results.read_text())
    except (OSError, ValueError) as error:
        print(f"bench-charts: cannot read {args.results}: {error}", file=sys.stderr)
        sys.exit(1)
    if not isinstance(results, dict):
        print(f"bench-charts: {args.results} is not a zmq-bench results object", file=sys.stderr)
        sys.exit(1)

    plt.rcParams.update({"font.size": 10, "axes.titlesize": 11, "axes.spines.top": False,
                         "axes.spines.right": False})
    written = [path for chart in (throughput_chart, latency_chart, peers_chart, scale_chart, typed_chart)
               if (path := chart(results, args.out)) is not None]
    if not written:
        print(f"bench-charts: {args.results} has no throughput, latency, peers, scale or typed results to draw",
              file=sys.stderr)
        sys.exit(1)
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
