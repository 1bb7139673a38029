"""The weekly transaction cycle: freeze-begin (Monday) and thaw (Saturday). See docs/freeze-thaw.md."""
