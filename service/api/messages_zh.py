"""Field errors in Chinese, for a client that asks with `Accept-Language: zh`.

The English messages stay the reference (they are what marshmallow and the
cross-checks say); each pattern below rewrites one of them. A message no
pattern knows is passed through unchanged rather than guessed at.
"""

from __future__ import annotations

import re

_PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(p), r) for p, r in (
    (r"^Missing data for required field\.$", "必填项。"),
    (r"^Unknown field\.$", "不认识的字段。"),
    (r"^Field may not be null\.$", "不能为空。"),
    (r"^Not a valid string\.$", "不是有效的文本。"),
    (r"^Not a valid list\.$", "不是有效的列表。"),
    (r"^Invalid input type\.$", "输入类型不正确。"),
    (r"^Invalid value\.$", "无效的值。"),
    (r"^Must be an object\.$", "必须是一个对象。"),
    (r"^Not a whole number\.$", "不是整数。"),
    (r"^Not a number\.$", "不是数字。"),
    (r"^Not true or false\.$", "应为“是”或“否”。"),
    (r"^Not a date in the form YYYY-MM-DD\.$", "日期格式应为YYYY-MM-DD。"),
    (r"^Must be one of: (.*)\.$", r"必须是以下之一：\1。"),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
     r"必须在\1到\2之间（含）。"),
    (r"^Must be greater than or equal to (\S+)\.$", r"必须大于或等于\1。"),
    (r"^Must be less than or equal to (\S+)\.$", r"必须小于或等于\1。"),
    (r"^Must be between (\S+) and (\S+)\.$", r"必须在\1至\2之间。"),
    (r"^Makes the value (\S+), above the maximum (\S+)\.$", r"使数值变为\1，超过上限\2。"),
    (r"^Makes the value (\S+), below the minimum (\S+)\.$", r"使数值变为\1，低于下限\2。"),
    (r"^The sum is not a finite number\.$", "相加之和不是有限的数。"),
    (r"^A cell holds more than (\d+) characters\.$", r"单元格超过\1个字符。"),
    (r"^Is after as_of \((\S+)\)\.$", r"晚于评分日期（\1）。"),
    (r"^Is after today \((\S+)\)\.$", r"晚于今天（\1）。"),
    (r"^Is before (\S+) \((\S+)\)\.$", r"早于\1（\2）。"),
    (r"^Is more than (\S+) \((\S+)\)\.$", r"大于\1（\2）。"),
    (r"^Is more than the (\d+) months since the applicant turned (\d+)\.$",
     r"超过申请人年满\2周岁以来的\1个月。"),
)]


def translate(message: str) -> str:
    """The Chinese for one English field error, or the message itself when unknown."""
    for pattern, replacement in _PATTERNS:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def translate_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {path: [translate(m) if isinstance(m, str) else m for m in messages]
            for path, messages in errors.items()}


def wants_chinese(accept_language: str | None) -> bool:
    """True when Chinese ranks above English (or alone) in an Accept-Language header."""
    best_zh = best_en = 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag == "zh" or tag.startswith("zh-"):
            best_zh = max(best_zh, quality)
        elif tag == "en" or tag.startswith("en-") or tag == "*":
            best_en = max(best_en, quality)
    return best_zh > 0 and best_zh >= best_en
