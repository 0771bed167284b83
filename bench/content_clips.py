"""Highlight clips cut by stream copy (issue 12: under 1 s a clip).

Makes a 5-minute 720p recording with a keyframe every 2 s (a test pattern and a tone, encoded
once by the same ffmpeg), then cuts clips of 15–90 s from all over it with
``content.service.cut_clip`` and, as the baseline in the same run, re-encodes a few of the same
spans (libx264 ultrafast) — what cutting without stream copy costs.

    python -m bench.content_clips
"""

from __future__ import annotations

import random
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from liveloop.content.clips import ffmpeg
from liveloop.content.service import cut_clip

LENGTH_S = 300
CLIPS = 30
REENCODED = 3


def _cpu() -> float:
    """CPU seconds of this process and the ffmpeg processes it waited for."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def recording(path: Path) -> None:
    subprocess.run(
        [
            ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={LENGTH_S}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={LENGTH_S}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-c:a", "aac", "-shortest",
            str(path),
        ],
        check=True,
    )  # fmt: skip


def main() -> None:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as folder:
        show = Path(folder) / "show.mp4"
        start = time.perf_counter()
        recording(show)
        print(
            f"recording: {LENGTH_S} s of 720p in {time.perf_counter() - start:.1f} s, "
            f"{show.stat().st_size / 2**20:.0f} MB"
        )
        spans = []
        for _ in range(CLIPS):
            length = rng.uniform(15, 90)
            begin = rng.uniform(0, LENGTH_S - length)
            spans.append((begin, begin + length))
        copied, cpu, errors = [], [], []
        for i, (begin, end) in enumerate(spans):
            start, used = time.perf_counter(), _cpu()
            clip = cut_clip(show, begin, end, Path(folder) / f"clip-{i}.mp4")
            copied.append(time.perf_counter() - start)
            cpu.append(_cpu() - used)
            errors.append(clip.duration_s - (end - begin))
        encoded, encoded_cpu = [], []
        for i, (begin, end) in enumerate(spans[:REENCODED]):
            start, used = time.perf_counter(), _cpu()
            subprocess.run(
                [
                    ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{begin:.3f}",
                    "-i", str(show), "-t", f"{end - begin:.3f}", "-c:v", "libx264",
                    "-preset", "ultrafast", "-c:a", "aac", str(Path(folder) / f"re-{i}.mp4"),
                ],
                check=True,
            )  # fmt: skip
            encoded.append(time.perf_counter() - start)
            encoded_cpu.append(_cpu() - used)
    print("| cut | clips | mean (s) | max (s) | CPU mean (s) |\n|---|---:|---:|---:|---:|")
    print(
        f"| cut_clip, stream copy | {CLIPS} | {statistics.mean(copied):.3f} | "
        f"{max(copied):.3f} | {statistics.mean(cpu):.3f} |"
    )
    print(
        f"| baseline: re-encoded (x264 ultrafast) | {REENCODED} | "
        f"{statistics.mean(encoded):.2f} | {max(encoded):.2f} | "
        f"{statistics.mean(encoded_cpu):.2f} |"
    )
    print(
        f"ratio {statistics.mean(encoded) / statistics.mean(copied):.0f}×; clip length − asked: "
        f"{min(errors):+.2f} … {max(errors):+.2f} s (a keyframe every 2 s)"
    )


if __name__ == "__main__":
    main()
