"""A corpus of hostile strings used by the server-side and browser XSS tests."""

from __future__ import annotations

# Each payload, if it ever executed, would call window.__xss(); the browser test
# defines that function and checks it was never called.
PAYLOADS = [
    "<script>window.__xss('script')</script>",
    '"><img src=x onerror="window.__xss(\'img\')">',
    "<svg onload=window.__xss('svg')><circle r=5></circle></svg>",
    "<svg><script>window.__xss('svgscript')</script></svg>",
    "<a href=\"javascript:window.__xss('link')\">click</a>",
    "javascript:window.__xss('bare')",
    "'><iframe srcdoc=\"<script>parent.__xss('iframe')</script>\"></iframe>",
    "<body onpageshow=window.__xss('body')>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "\u202egnp.exe\u202c \u2066evil\u2069 <b onmouseover=window.__xss('bidi')>x</b>",
    "</textarea></title><style>*{display:none}</style><details open ontoggle=window.__xss('details')>",
]

# The same attack wrapped in each UI language's text.
WRAPPERS = {
    "en": "Order was late {}",
    "ar": "تأخر الطلب {} شكرًا",
    "fa": "سفارش دیر رسید {} ممنون",
    "zh": "订单迟到了 {} 谢谢",
}
