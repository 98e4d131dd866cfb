package mail_test

import (
	"testing"

	"github.com/facteur/facteur/mail"
)

func TestHTMLText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ html, want string }{
		{"<p>Hello,</p><p>the file is <b>attached</b>.</p>", "Hello,\n\nthe file is attached.\n"},
		{"Line one<br>line two", "Line one\nline two\n"},
		{`<p>Download <a href="https://x.example/d?a=1&amp;b=2">the file</a>.</p>`, "Download the file (https://x.example/d?a=1&b=2).\n"},
		{`<a href="https://x.example/">https://x.example/</a>`, "https://x.example/\n"},
		{"<ul><li>one</li><li>two</li></ul>", "- one\n- two\n"},
		{"<style>p{color:red}</style><script>alert(1)</script><p>Sales &amp; co &lt;2024&gt;</p>", "Sales & co <2024>\n"},
		{"plain text, no tags", "plain text, no tags\n"},
	} {
		if got := mail.HTMLText(tt.html); got != tt.want {
			t.Errorf("HTMLText(%q) = %q, want %q", tt.html, got, tt.want)
		}
	}
}
