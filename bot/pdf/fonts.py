"""The font of the PDF: Noto Sans SC found, measured once, and subset to TrueType outlines.

Chinese needs a CJK font: Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package (SIL OFL 1.1).
Each PDF embeds only the characters it uses, converted to TrueType outlines so every reader can
extract and search the text. User text (project names) may hold emoji, controls or characters the
font lacks: ``safe_text`` makes it drawable.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset as ftsubset  # type: ignore[import-untyped]
from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]

FONT_PACKAGE = "pylopdf-fonts-zh-cn"
FAMILY = "notosanssc"


class FontUnavailableError(RuntimeError):
    """The CJK font package is not installed, so a Chinese PDF cannot be written."""


def _font_path() -> Path:
    """Return the installed Noto Sans SC file, or raise a clear error naming the package."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError as exc:
        raise FontUnavailableError(
            f"The CJK font package {FONT_PACKAGE!r} is not installed; run `make install` "
            f"(or `.venv/bin/pip install -e .`) to get Noto Sans SC for the PDF report."
        ) from exc
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FontUnavailableError(f"{FONT_PACKAGE} is installed but {path} is missing; reinstall it.")
    return path


@dataclass(frozen=True)
class Metrics:
    """What layout needs from the font: which characters it has and how wide each is (in em)."""

    path: Path
    cmap: dict[int, str]
    advance: dict[str, float]


_METRICS: Metrics | None = None
_METRICS_LOCK = threading.Lock()


def metrics() -> Metrics:
    """Read the font's character map and advance widths once per process."""
    global _METRICS
    with _METRICS_LOCK:
        if _METRICS is None:
            path = _font_path()
            font = TTFont(str(path), lazy=True)
            try:
                upem = float(font["head"].unitsPerEm)
                hmtx = font["hmtx"].metrics
                cmap = dict(font.getBestCmap())
                advance = {name: hmtx[name][0] / upem for name in set(cmap.values()) if name in hmtx}
            finally:
                font.close()
            _METRICS = Metrics(path, cmap, advance)
        return _METRICS


def truetype_subset(path: Path, chars: Iterable[str], out: Path) -> None:
    """Write a TrueType-outline font holding only ``chars`` of the OpenType (CFF) font at path.

    fpdf2 embeds a CID-keyed CFF font through an embedded encoding CMap, which text extraction
    (pypdf, some viewers' copy and search) misreads; TrueType outlines are embedded the common way,
    Identity-H with a ToUnicode map. Converting a few hundred glyphs takes a fraction of a second.
    """
    font = TTFont(str(path), lazy=True)
    try:
        options = ftsubset.Options()
        options.layout_features = []  # no shaping: CJK and Latin here need none
        options.notdef_outline = True
        options.recommended_glyphs = True
        options.hinting = False
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "meta"]
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes={ord(c) for c in chars})
        subsetter.subset(font)
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(None)
            glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in (
            "maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxTwilightPoints",
            "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
            "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth",
        ):  # fmt: skip
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        del font["CFF "]
        font["head"].glyphDataFormat = 0
        font["post"].formatType = 3.0
        font.sfntVersion = "\x00\x01\x00\x00"
        font.save(str(out))
    finally:
        font.close()


_DROP = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f\U0001f3fb-\U0001f3ff]"
)
_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
MISSING_GLYPH = "□"


def safe_text(text: str, cmap: dict[int, str]) -> str:
    """Return text the font can draw: controls become spaces, joiners go, unknown glyphs become □."""
    text = unicodedata.normalize("NFC", _DROP.sub("", str(text)))
    text = _SPACE.sub(" ", text)
    out = []
    for ch in text:
        code = ord(ch)
        if code in cmap and not 0xD800 <= code <= 0xDFFF:
            out.append(ch)
        elif out and out[-1] == MISSING_GLYPH:
            continue  # one box for a run of emoji is enough
        else:
            out.append(MISSING_GLYPH)
    return "".join(out)
