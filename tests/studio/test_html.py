"""The HTML the studio draws: user text is escaped."""

from studio.html.generate import columns, token_span


def test_views_escape_user_text():
    page = columns(["T = 1"], "<script>", [[token_span("<b>", 0.5, [("<i>", 0.5)])]], [True], [2])
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert "2 &lt;unk&gt; masked" in page and "lm-eos" in page
