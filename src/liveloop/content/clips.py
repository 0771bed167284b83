"""Highlight clips: a span of a show's recording copied out (no re-encoding, so a clip takes
well under a second whatever its length) with the ffmpeg that the imageio-ffmpeg package ships
(the ``clips`` extra), and the topic a clip is about, suggested from what was said and written
during it.

Stream copy cuts on keyframes: the clip starts at the keyframe at or before ``start_s``, so it
may begin up to one keyframe interval early (encoders for live streams put one every 1–4 s).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from liveloop.content import tokens
from liveloop.content.contracts import Topic
from liveloop.errors import DomainError

TIMEOUT_S = 60
_DURATION = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")

# Words that say what a span of a show is about (in folded, simplified form).
TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.ORIGIN_VISIT: ("产地", "基地", "原产", "田间", "农场", "牧场", "溯源", "种植"),
    Topic.NUTRITION: ("营养", "升糖", "蛋白", "低gi", "膳食纤维", "热量", "控糖", "维生素"),
    Topic.COOKING: ("做法", "煮", "炖", "蒸", "炒", "焖", "食谱", "下锅", "泡发"),
    Topic.TESTIMONIAL: ("回购", "好评", "我家孩子", "一直在吃", "推荐给", "复购"),
}


class ClipError(DomainError):
    """A clip that cannot be cut as asked (no recording, a span outside it, ffmpeg refused)."""

    status = 422


@dataclass(frozen=True, slots=True)
class ClipFile:
    """A clip written to ``path``: the span asked for and the length ffmpeg reports for it."""

    path: Path
    start_s: float
    end_s: float
    duration_s: float
    size_bytes: int


@cache
def ffmpeg() -> str:
    """The ffmpeg binary imageio-ffmpeg ships (or the one ``IMAGEIO_FFMPEG_EXE`` names)."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ClipError("cutting clips needs ffmpeg: pip install 'liveloop[clips]'") from None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def duration_of(media: Path) -> float:
    """A media file's length in seconds, as ffmpeg reads it from the container (asked once
    per version of the file: many clips are cut from one recording)."""
    if not media.is_file():
        raise ClipError(f"no recording at {media}")
    stat = media.stat()
    return _duration(str(media.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _duration(media: str, _mtime_ns: int, _size: int) -> float:
    done = subprocess.run(  # noqa: S603 - our binary, arguments as a list
        [ffmpeg(), "-hide_banner", "-nostdin", "-i", media],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    found = _DURATION.search(done.stderr)
    if found is None:
        raise ClipError(f"{Path(media).name} is not a recording ffmpeg can read")
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def cut_clip(recording: Path, start_s: float, end_s: float, out: Path) -> ClipFile:
    """Copy ``start_s``–``end_s`` of ``recording`` into ``out`` (its container chosen by its
    suffix, e.g. .mp4), streams copied as they are. Raises ``ClipError`` for a missing
    recording, an empty or reversed span, or a span past the recording's end."""
    if not 0 <= start_s < end_s:
        raise ClipError(f"a clip runs from a start ≥ 0 to a later end, not {start_s}–{end_s} s")
    length = duration_of(recording)
    if end_s > length + 0.05:
        raise ClipError(f"the recording is {length:.2f} s long; the clip ends at {end_s} s")
    if out.resolve() == recording.resolve():
        raise ClipError("the clip would overwrite its recording")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        ffmpeg(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        # Seeking before the input jumps to the keyframe at or before start: fast, exact to it.
        "-ss",
        f"{start_s:.3f}",
        "-i",
        str(recording),
        "-t",
        f"{end_s - start_s:.3f}",
        "-map",
        "0",
        "-c",
        "copy",
        "-avoid_negative_ts",
        "make_zero",
        str(out),
    ]
    done = subprocess.run(  # noqa: S603 - our binary, arguments as a list
        command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    if done.returncode != 0 or not out.is_file():
        out.unlink(missing_ok=True)
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
        raise ClipError(f"ffmpeg could not cut the clip: {reason}")
    return ClipFile(out, start_s, end_s, duration_of(out), out.stat().st_size)


def suggest_topics(texts: Iterable[str]) -> list[Topic]:
    """The topics the words of ``texts`` (the span's transcript and comments) point to, most
    mentioned first; none when no topic word occurs."""
    counts: Counter[Topic] = Counter()
    for text in texts:
        plain = tokens.fold(text)
        for topic, words in TOPIC_WORDS.items():
            counts[topic] += sum(plain.count(word) for word in words)
    order = list(Topic)
    ranked = sorted(
        (t for t, n in counts.items() if n > 0), key=lambda t: (-counts[t], order.index(t))
    )
    return ranked
