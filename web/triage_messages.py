"""Vietnamese messages for triage errors (``pipeline.triage`` speaks English to the CLI)."""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.triage import STATUS_LABELS_VI

GENERIC = "Không thực hiện được thao tác; không có gì thay đổi."

_STATUS_WORD = r"[a-z_]+"


def _status(value: str) -> str:
    return f"«{STATUS_LABELS_VI.get(value, value)}»"


def _statuses(values: str) -> str:
    names = [v.strip() for v in values.split(",") if v.strip() and v.strip() != "none"]
    return ", ".join(_status(v) for v in names) or "không có"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(rf"cannot go from ({_STATUS_WORD}) to ({_STATUS_WORD}) \(allowed: ([^)]*)\)"),
        lambda m: (
            f"Không thể chuyển từ {_status(m[1])} sang {_status(m[2])}. "
            f"Có thể chuyển sang: {_statuses(m[3])}."
        ),
    ),
    (
        re.compile(r"'responded' needs"),
        lambda m: (
            "Muốn chuyển sang «Đã phản hồi», hãy ghi nhận phản hồi chính thức ở mục bên dưới."
        ),
    ),
    (
        re.compile(rf"cannot record a response while ({_STATUS_WORD}) \(allowed from: ([^)]*)\)"),
        lambda m: (
            f"Không thể ghi nhận phản hồi khi cảnh báo đang {_status(m[1])}. "
            f"Chỉ ghi nhận được khi đang: {_statuses(m[2])}."
        ),
    ),
    (re.compile(r"user '([^']*)' does not exist"), lambda m: f"Không có người dùng «{m[1]}»."),
    (re.compile(r"user '([^']*)' is disabled"), lambda m: f"Người dùng «{m[1]}» đã bị khóa."),
    (re.compile(r"flag (\d+) does not exist"), lambda m: f"Không có cảnh báo số {m[1]}."),
    (re.compile(r"unknown status '([^']*)'"), lambda m: f"Trạng thái «{m[1]}» không hợp lệ."),
    (re.compile(r"a note needs some text"), lambda m: "Ghi chú cần có nội dung."),
    (
        re.compile(r"a response needs --text"),
        lambda m: "Cần nhập nội dung thông tin chính thức đã cung cấp.",
    ),
    (
        re.compile(r"--link '([^']*)'"),
        lambda m: f"Liên kết «{m[1]}» phải bắt đầu bằng http:// hoặc https://.",
    ),
    (re.compile(r"--label"), lambda m: "Nhận định phải là «sai lệch» hoặc «tin giả»."),
    (re.compile(r"article (\d+) does not exist"), lambda m: f"Không có bài viết số {m[1]}."),
    (re.compile(r"^bad date$"), lambda m: "Ngày phản hồi không hợp lệ (dạng năm-tháng-ngày)."),
    (re.compile(r"unknown topic\(s\): (.*)"), lambda m: f"Chủ đề không hợp lệ: {m[1]}."),
)


def vietnamese(message: str) -> str:
    """The Vietnamese message for a ``TriageError``/``CorrectionError``; generic when unknown.

    >>> vietnamese("flag 3: cannot go from new to dismissed (allowed: reviewing)")
    'Không thể chuyển từ «Mới» sang «Bỏ qua». Có thể chuyển sang: «Đang xem xét». Không có gì thay đổi.'
    """
    for pattern, build in _RULES:
        match = pattern.search(message)
        if match:
            return f"{build(match)} Không có gì thay đổi."
    return GENERIC
