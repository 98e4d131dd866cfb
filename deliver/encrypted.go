package deliver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/pack"
)

// encrypted is the deliverer of a destination that encrypts its files
// (C2). The files of runs arrive encrypted from the export, and are
// delivered as they are; Send test delivers its test file encrypted too,
// so that the partner can check they decrypt it.
type encrypted struct {
	facteur.Deliverer
	enc   *facteur.Encryption
	where string
	spool string // where the test file is written for a moment; "" for the system's temporary directory
	now   func() time.Time
}

var (
	_ facteur.Deliverer = (*encrypted)(nil)
	_ Validator         = (*encrypted)(nil)
)

// Test delivers the test file of TestPayload, encrypted to the
// destination's recipients, under its name with .age or .gpg added. It
// fails with EINVALID when a recipient's key can no longer be encrypted to
// (expired, revoked), or with the error a delivery would meet.
func (e *encrypted) Test(ctx context.Context) (facteur.Delivery, error) {
	p := TestPayload(e.now(), e.where)
	plain, err := p.Open()
	if err != nil {
		return facteur.Delivery{}, err
	}
	defer plain.Close()
	var buf bytes.Buffer
	w, err := pack.Encrypt(&buf, e.enc, e.now())
	if err != nil {
		return facteur.Delivery{}, err
	}
	if _, err := io.Copy(w, plain); err != nil {
		return facteur.Delivery{}, fmt.Errorf("encrypt test file: %w", err)
	}
	if err := w.Close(); err != nil {
		return facteur.Delivery{}, fmt.Errorf("encrypt test file: %w", err)
	}
	f, err := os.CreateTemp(e.spool, ".facteur-test-*.partial")
	if err != nil {
		return facteur.Delivery{}, fmt.Errorf("write test file: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return facteur.Delivery{}, fmt.Errorf("write test file: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	ct := "application/octet-stream"
	if e.enc.Method == facteur.EncryptOpenPGP {
		ct = "application/pgp-encrypted"
	}
	return e.Deliver(ctx, &facteur.Artifact{Path: f.Name(), Name: p.Name + "." + e.enc.Ext(), Size: int64(buf.Len()),
		SHA256: hex.EncodeToString(sum[:]), Test: true, ContentType: ct})
}

// Validate checks the settings as the destination's own deliverer does,
// when it can.
func (e *encrypted) Validate(ctx context.Context) error {
	if v, ok := e.Deliverer.(Validator); ok {
		return v.Validate(ctx)
	}
	return nil
}
