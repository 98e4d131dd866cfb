package links

import (
	"strings"
	"testing"
	"time"
)

func TestLinks(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	s := &Signer{Key: []byte("0123456789abcdef0123456789abcdef"), Base: "https://facteur.example.org/", Now: func() time.Time { return now }}
	u := s.URL(42, 72*time.Hour)
	rest, ok := strings.CutPrefix(u, "https://facteur.example.org"+Path)
	if !ok {
		t.Fatalf("URL %s", u)
	}
	if id, err := s.Verify(rest); err != nil || id != 42 {
		t.Fatalf("Verify(%s) = %d, %v", rest, id, err)
	}
	parts := strings.Split(rest, "/")
	for _, bad := range []string{
		"43/" + parts[1] + "/" + parts[2],                    // another run
		parts[0] + "/" + parts[1] + "9/" + parts[2],          // a later expiry
		parts[0] + "/" + parts[1] + "/" + parts[2][1:] + "A", // forged signature
		parts[0] + "/" + parts[1],
		"",
	} {
		if _, err := s.Verify(bad); err == nil {
			t.Errorf("Verify(%q) accepted a bad link", bad)
		}
	}
	other := &Signer{Key: []byte("another key, another installation"), Now: s.Now}
	if _, err := other.Verify(rest); err == nil {
		t.Error("a link verified under another key")
	}
	now = now.Add(72*time.Hour + time.Second)
	if _, err := s.Verify(rest); err == nil {
		t.Error("an expired link was accepted")
	}
}
