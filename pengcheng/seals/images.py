"""The seal image: a red round official seal (公章) with a star and the department's name along the
rim, drawn locally with Pillow in the embedded CJK font."""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from pengcheng.seals.pdf import font_path

RED = (208, 16, 32, 255)
SIZE = 480


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, outer: float) -> None:
    inner = outer * 0.382
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=RED)


def seal_image(name: str, caption: str = "电子印章") -> bytes:
    """A transparent PNG of the seal."""
    image = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    centre = SIZE / 2
    draw.ellipse((10, 10, SIZE - 10, SIZE - 10), outline=RED, width=16)
    _star(draw, centre, centre, SIZE * 0.16)
    # The name runs clockwise along the upper rim, over at most 240 degrees.
    text = name[:24]
    char_size = max(22, min(54, int(900 / max(len(text), 1))))
    font = _font(char_size)
    radius = centre - 30 - char_size / 2
    span = min(240.0, len(text) * (char_size * 1.05) / radius * 180 / math.pi)
    start = -90 - span / 2
    for index, char in enumerate(text):
        angle = start + (span * (index + 0.5) / len(text))
        tile = Image.new("RGBA", (char_size * 2, char_size * 2), (255, 255, 255, 0))
        ImageDraw.Draw(tile).text(
            (char_size, char_size), char, font=font, fill=RED, anchor="mm", stroke_width=1, stroke_fill=RED
        )
        rotated = tile.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(math.radians(angle)) - char_size
        y = centre + radius * math.sin(math.radians(angle)) - char_size
        image.alpha_composite(rotated, (int(x), int(y)))
    if caption:
        draw.text((centre, centre + SIZE * 0.27), caption, font=_font(34), fill=RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
