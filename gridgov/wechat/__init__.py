"""The district's WeChat official account (随手拍 menu): messages in, tracking numbers and status changes out."""
