"""The fund's WeChat official account (公众号): its browser, its OAuth, its server tokens and its JS-SDK.

Knows none of our other apps; donations and the page templates call into it.
"""
