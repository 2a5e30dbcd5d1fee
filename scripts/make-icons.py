"""Draw PartnerPlan's app icons (webapp/static/icons/): the favicon's "PP" in
white on the brand blue, as PNG files, with nothing but the standard library.

Run it again after changing the drawing: `python scripts/make-icons.py`.

- icon-192.png, icon-512.png: a rounded square, what a home screen shows as is;
- maskable-512.png: full bleed, the letters inside the central 80 % circle that
  Android keeps whatever shape it cuts;
- apple-touch-icon.png (180): full bleed too, iOS rounds the corners itself.
"""

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "webapp" / "static" / "icons"
BRAND = (0x1D, 0x4E, 0xD8)  # --brand in app.css
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per side of a pixel: 16 samples smooth the edges


def letter_p(x: float, y: float) -> bool:
    """A geometric "P" in a unit box (x right, y down): a stem and a round bowl."""
    stem = 0.0 <= x <= 0.26 and 0.0 <= y <= 1.0
    # The bowl: a ring of outer radius 0.29 around (0.45, 0.29), closed by the
    # stem on the left.
    cx, cy, outer, inner = 0.45, 0.29, 0.29, 0.10
    distance = ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5
    if x < cx:  # the straight part joining the bowl to the stem
        bowl = 0.0 <= x and 0.0 <= y <= 0.58 and not (0.19 <= y <= 0.39 and x > 0.26)
    else:
        bowl = inner <= distance <= outer
    return stem or bowl


def covered(u: float, v: float, rounded: bool, letters_box: float) -> bool | None:
    """What a point (u, v in 0..1) of the icon is: True letter, False background,
    None outside the (rounded) square."""
    if rounded:
        radius = 0.19
        dx = max(radius - u, 0, u - (1 - radius))
        dy = max(radius - v, 0, v - (1 - radius))
        if dx * dx + dy * dy > radius * radius:
            return None
    # Two letters side by side, centred, in a box `letters_box` wide.
    height = letters_box * 0.62
    width = height * 0.74
    gap = height * 0.14
    left = 0.5 - (2 * width + gap) / 2
    top = 0.5 - height / 2
    y = (v - top) / height
    for start in (left, left + width + gap):
        if letter_p((u - start) / width, y):
            return True
    return False


def draw(size: int, rounded: bool, letters_box: float) -> bytes:
    """RGBA rows of the icon, each prefixed with PNG's filter byte (none)."""
    rows = bytearray()
    step = 1 / (size * SAMPLES)
    for py in range(size):
        rows.append(0)
        for px in range(size):
            ink = paper = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    u = (px * SAMPLES + sx + 0.5) * step
                    v = (py * SAMPLES + sy + 0.5) * step
                    what = covered(u, v, rounded, letters_box)
                    if what is True:
                        ink += 1
                    elif what is False:
                        paper += 1
            total = SAMPLES * SAMPLES
            alpha = (ink + paper) / total
            if alpha == 0:
                rows += bytes(4)
                continue
            share = ink / (ink + paper)
            colour = [round(b + (w - b) * share) for b, w in zip(BRAND, WHITE, strict=True)]
            rows += bytes([*colour, round(alpha * 255)])
    return bytes(rows)


def png(size: int, pixels: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


# name: (size, rounded corners, width of the letters' box)
ICON_FILES = {
    "icon-192.png": (192, True, 0.78),
    "icon-512.png": (512, True, 0.78),
    "maskable-512.png": (512, False, 0.56),
    "apple-touch-icon.png": (180, False, 0.7),
}


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, (size, rounded, letters_box) in ICON_FILES.items():
        (ICONS / name).write_bytes(png(size, draw(size, rounded, letters_box)))
        print(f"{ICONS / name}: {size}×{size}")


if __name__ == "__main__":
    main()
