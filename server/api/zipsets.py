"""Named zip sets; `mempy-2015` is the talk's 100 zips with a synthetic count table.

The talk printed only the total, `jobs available: 1651`; the per-zip counts are lost.
The table below is synthetic: each zip got the weight `1 + sha256("mempy-2015:" + zip) % 32`
(first 8 bytes, big-endian), the weights were scaled to sum to 1651, and the remainder was
handed out by largest fraction (ties by position). It is fixed data and ignores the seed,
so the talk's total is the same under every seed.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

MEMPY_2015_TOTAL: Final = 1651

MEMPY_2015: Final = MappingProxyType(
    {
        "79936": 3, "90011": 28, "60629": 11, "90650": 6, "90201": 30, "77084": 4, "92335": 30,
        "78521": 15, "77449": 11, "78572": 15, "90250": 27, "90280": 28, "11226": 24, "90805": 30,
        "91331": 20, "08701": 2, "90044": 9, "92336": 24, "00926": 27, "94565": 24, "10467": 5,
        "92683": 30, "75052": 12, "91342": 12, "92704": 11, "30044": 2, "10025": 29, "92503": 5,
        "92804": 23, "78577": 21, "75217": 22, "92376": 18, "93307": 3, "10456": 21, "10002": 23,
        "91911": 26, "91744": 19, "75070": 5, "77036": 10, "93722": 30, "92345": 6, "60618": 10,
        "93033": 22, "93550": 28, "95076": 16, "11230": 2, "11368": 4, "37013": 18, "11373": 12,
        "79912": 7, "37211": 30, "30043": 7, "11206": 27, "10453": 7, "92154": 22, "11355": 24,
        "95823": 10, "77479": 26, "91706": 6, "10458": 17, "92553": 27, "90706": 17, "23464": 28,
        "11212": 13, "60617": 8, "91709": 20, "11214": 21, "11219": 5, "91910": 11, "22193": 5,
        "77429": 19, "93535": 27, "66062": 1, "93257": 30, "30349": 18, "60647": 20, "77584": 5,
        "10452": 4, "77573": 2, "11377": 9, "11207": 14, "77494": 24, "75211": 30, "11234": 29,
        "28269": 3, "11235": 8, "94544": 11, "10029": 15, "60625": 14, "89110": 29, "92509": 30,
        "77083": 7, "91335": 22, "85364": 28, "87121": 28, "10468": 18, "90255": 11, "93065": 1,
        "91710": 30, "10462": 13,
    }
)  # fmt: skip

ZIP_SETS: Final = MappingProxyType({"mempy-2015": tuple(MEMPY_2015)})
