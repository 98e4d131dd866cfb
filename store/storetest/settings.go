package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/facteur/facteur"
)

func testSettings(t *testing.T, newDB NewDatabase) {
	ctx := context.Background()
	s := Open(t, newDB(t))
	if _, err := s.Setting(ctx, "mail"); facteur.ErrorCode(err) != facteur.ENOTFOUND {
		t.Fatalf("unset setting: %v, want ENOTFOUND", err)
	}
	must(t, s.PutSetting(ctx, "mail", json.RawMessage(`{"host":"smtp.example.org","port":587}`)))
	must(t, s.PutSetting(ctx, "policy", json.RawMessage(`{"allowed_domains":["example.org"]}`)))
	must(t, s.PutSetting(ctx, "mail", json.RawMessage(`{"host":"mail.example.org","port":465}`)))
	got, err := s.Setting(ctx, "mail")
	must(t, err)
	var v struct {
		Host string
		Port int
	}
	if err := json.Unmarshal(got, &v); err != nil || v.Host != "mail.example.org" || v.Port != 465 {
		t.Fatalf("mail setting = %s (%v)", got, err)
	}
	// InitSetting stores a value only the first time.
	first, err := s.InitSetting(ctx, "obfuscation_key", json.RawMessage(`"first"`))
	must(t, err)
	second, err := s.InitSetting(ctx, "obfuscation_key", json.RawMessage(`"second"`))
	must(t, err)
	if string(first) != `"first"` || string(second) != `"first"` {
		t.Fatalf("InitSetting gave %s then %s, want \"first\" twice", first, second)
	}
	// Nodes racing to make it first all get the winner's value.
	var wg sync.WaitGroup
	raced := make([]string, 8)
	for i := range raced {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.InitSetting(ctx, "raced", json.RawMessage(fmt.Sprintf(`"node %d"`, i)))
			if err != nil {
				t.Errorf("InitSetting %d: %v", i, err)
			}
			raced[i] = string(v)
		}()
	}
	wg.Wait()
	for i := range raced {
		if raced[i] != raced[0] || raced[0] == "" {
			t.Fatalf("racing InitSetting gave %q", raced)
		}
	}
	if err := s.PutSetting(ctx, "mail", json.RawMessage(`{nope`)); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Fatalf("invalid JSON: %v, want EINVALID", err)
	}
	// A setting written in a transaction that rolls back is not kept.
	_ = s.InTx(ctx, func(tx facteur.Store, _ any) error {
		must(t, tx.PutSetting(ctx, "policy", json.RawMessage(`{}`)))
		return facteur.Errorf(facteur.ECONFLICT, "roll back")
	})
	if got, _ := s.Setting(ctx, "policy"); string(got) != `{"allowed_domains":["example.org"]}` {
		t.Fatalf("policy after rollback = %s", got)
	}
}
