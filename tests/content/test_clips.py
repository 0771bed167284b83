"""Highlight clips cut from a recording by stream copy, checked on a real video made here with
the same ffmpeg (a test pattern with a tone, a keyframe every second), and the topic a clip's
words suggest."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from liveloop.content.clips import ClipError, cut_clip, duration_of, ffmpeg, suggest_topics
from liveloop.content.contracts import Topic

FPS = 25


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("show") / "show.mp4"
    subprocess.run(  # noqa: S603 - the shipped binary, arguments as a list
        [
            ffmpeg(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=320x240:rate={FPS}:duration=6",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            str(FPS),
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


def streams(media: Path) -> list[str]:
    probe = subprocess.run(  # noqa: S603
        [ffmpeg(), "-hide_banner", "-i", str(media)], capture_output=True, text=True, check=False
    )
    return re.findall(r"Stream #\S+: (Video: \w+|Audio: \w+)", probe.stderr)


def test_a_clip_is_the_span_asked_for_within_a_keyframe_streams_copied(recording, tmp_path):
    clip = cut_clip(recording, 2.0, 4.5, tmp_path / "clips" / "grain.mp4")
    assert clip.path.is_file() and clip.size_bytes > 0
    assert 2.5 - 0.05 <= clip.duration_s <= 2.5 + 1.0 + 0.05  # ≤ one keyframe interval early
    assert streams(clip.path) == streams(recording) == ["Video: h264", "Audio: aac"]
    assert clip.size_bytes < recording.stat().st_size


def test_a_clip_from_the_start_or_to_the_end_is_cut_too(recording, tmp_path):
    assert abs(cut_clip(recording, 0, 1.0, tmp_path / "a.mp4").duration_s - 1.0) < 0.1
    length = duration_of(recording)
    tail = cut_clip(recording, 5.0, length, tmp_path / "b.mp4")
    assert abs(tail.duration_s - (length - 5.0)) < 0.1


def test_a_clip_that_cannot_be_cut_says_why(recording, tmp_path):
    cases = [
        (tmp_path / "missing.mp4", 0, 1, "no recording"),
        (recording, 3, 3, "later end"),
        (recording, 4, 2, "later end"),
        (recording, -1, 2, "later end"),
        (recording, 4, 60, "long"),
    ]
    for source, start, end, reason in cases:
        with pytest.raises(ClipError, match=reason):
            cut_clip(source, start, end, tmp_path / "out.mp4")
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("这不是视频", encoding="utf-8")
    with pytest.raises(ClipError):
        cut_clip(not_video, 0, 1, tmp_path / "out.mp4")
    with pytest.raises(ClipError, match="overwrite"):
        cut_clip(recording, 0, 1, recording)
    assert not (tmp_path / "out.mp4").exists()


def test_the_words_of_a_span_suggest_its_topic():
    assert suggest_topics(["今天带大家来五常基地看看", "原产地直发吗"]) == [Topic.ORIGIN_VISIT]
    assert suggest_topics(["这个升糖快不快", "蛋白质含量多少"]) == [Topic.NUTRITION]
    assert suggest_topics(["牛腩怎么炖", "做法教一下"]) == [Topic.COOKING]
    assert suggest_topics(["已经回购三次了", "我家孩子很爱吃"]) == [Topic.TESTIMONIAL]
    assert suggest_topics(["營養豐富，燉湯也好"]) == [Topic.NUTRITION, Topic.COOKING]
    assert suggest_topics(["哈哈", "主播好"]) == []
