package gcs

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"cloud.google.com/go/storage"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// object is what Facteur cares about of an object in the bucket.
type object struct {
	size       int64
	sha256     string // from the sha256 metadata; empty if the object has none
	generation int64
}

// same reports whether the object holds the file p.
func (o object) same(p deliver.Payload) bool { return o.size == p.Size && o.sha256 == p.SHA256 }

// sums are the checksums of a file, computed before it is sent.
type sums struct {
	crc32c uint32
	md5    []byte
}

// castagnoli is the CRC32C table Cloud Storage uses.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// put delivers p under prefix + name: check the spooled file, compare with
// what is there, upload, verify.
func (g *GCS) put(ctx context.Context, p deliver.Payload) (facteur.Delivery, error) {
	name := g.cfg.Prefix + p.Name
	done := facteur.Delivery{Location: g.location(name)}

	// One pass over the spooled file checks its size and SHA-256 and
	// computes the CRC32C and MD5 that Cloud Storage checks the upload
	// against: a damaged file is refused before anything is sent.
	sum, err := checksum(ctx, p)
	if err != nil {
		return facteur.Delivery{}, err
	}

	// An object already there with the same content is the same delivery
	// (idempotent re-delivery); one with other content is a conflict
	// unless overwriting is allowed.
	obj, found, err := g.attrs(ctx, name)
	switch {
	case err != nil:
		return facteur.Delivery{}, err
	case found && obj.same(p):
		return done, nil
	case found && !g.cfg.Overwrite:
		return facteur.Delivery{}, g.conflict(name)
	}

	// The upload is conditional: on no object (or on the generation seen
	// above, when overwriting), so that an object another delivery
	// created meanwhile is not replaced, and so that the client may retry
	// it safely.
	cond := storage.Conditions{DoesNotExist: true}
	if found {
		cond = storage.Conditions{GenerationMatch: obj.generation}
	}
	attrs, err := g.upload(ctx, name, p, sum, cond)
	if errors.Is(err, errPreconditionFailed) {
		switch obj, found, aerr := g.attrs(ctx, name); {
		case aerr != nil:
			return facteur.Delivery{}, aerr
		case found && obj.same(p):
			return done, nil
		case g.cfg.Overwrite:
			return facteur.Delivery{}, facteur.Errorf(facteur.EUNAVAILABLE, "Object %s changed during the delivery; it will be tried again.", g.location(name))
		}
		return facteur.Delivery{}, g.conflict(name)
	}
	if err != nil {
		return facteur.Delivery{}, err
	}
	if err := g.verify(ctx, name, p, sum, attrs); err != nil {
		return facteur.Delivery{}, err
	}
	return done, nil
}

// checksum reads the spooled file once, checks its size and SHA-256, and
// returns its CRC32C and MD5. It fails with EINTERNAL when the file does
// not match.
func checksum(ctx context.Context, p deliver.Payload) (sums, error) {
	src, err := p.Open()
	if err != nil {
		return sums{}, facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	}
	defer src.Close()
	sh, c, m := sha256.New(), crc32.New(castagnoli), md5.New()
	n, err := io.CopyBuffer(io.MultiWriter(sh, c, m), deliver.ContextReader(ctx, src), make([]byte, deliver.CopyBufferSize))
	switch {
	case ctx.Err() != nil:
		return sums{}, facteur.WrapError(facteur.ECANCELLED, ctx.Err(), "The delivery of %s was cancelled.", p.Name)
	case err != nil:
		return sums{}, facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	case n != p.Size || hex.EncodeToString(sh.Sum(nil)) != p.SHA256:
		return sums{}, facteur.Errorf(facteur.EINTERNAL, "The exported file %s does not match its size or SHA-256 in the spool; export it again.", p.Name)
	}
	return sums{crc32c: c.Sum32(), md5: m.Sum(nil)}, nil
}

// conflict is the error of a delivery that would replace another file.
func (g *GCS) conflict(name string) error {
	return facteur.Errorf(facteur.ECONFLICT,
		"File %s already exists in bucket %s with different content. Set \"overwrite\" on the destination to replace it, or change the schedule's file name.",
		name, g.cfg.Bucket)
}

// attrs returns the size, SHA-256 metadata and generation of the object
// called name; found is false when there is none.
func (g *GCS) attrs(ctx context.Context, name string) (obj object, found bool, err error) {
	actx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	a, err := g.client.Bucket(g.cfg.Bucket).Object(name).Attrs(actx)
	switch {
	case errors.Is(err, storage.ErrObjectNotExist):
		return object{}, false, nil
	case err != nil:
		return object{}, false, g.apiError(ctx, err)
	}
	return object{size: a.Size, sha256: a.Metadata[metaSHA256], generation: a.Generation}, true, nil
}

// upload streams p to the object called name with a resumable upload
// under cond, sending its CRC32C and MD5 for Cloud Storage to check
// before it finalises the object. It returns the new object's attributes,
// or errPreconditionFailed when cond does not hold. A failed upload is
// cancelled: no object appears.
func (g *GCS) upload(ctx context.Context, name string, p deliver.Payload, sum sums, cond storage.Conditions) (*storage.ObjectAttrs, error) {
	src, err := p.Open()
	if err != nil {
		return nil, facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	}
	defer src.Close()

	// Cancelling wctx abandons the upload: Cloud Storage never finalises
	// an object from it.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := g.client.Bucket(g.cfg.Bucket).Object(name).If(cond).NewWriter(wctx)
	w.ChunkSize = chunkSize
	w.ContentType = p.ContentType
	w.Metadata = map[string]string{metaSHA256: p.SHA256}
	if p.Test {
		w.Metadata[metaTest] = "true"
	}
	w.CRC32C, w.SendCRC32C = sum.crc32c, true
	w.MD5 = sum.md5

	// The file is read again: it must still be the one checked.
	body := deliver.NewVerifyingReader(deliver.SpoolReader(src), p.Size, p.SHA256)
	_, err = io.CopyBuffer(w, body, make([]byte, 256<<10))
	if err != nil {
		cancel()
		_ = w.Close()
		var spool deliver.SpoolError
		if body.Mismatch() != nil || errors.As(err, &spool) {
			return nil, facteur.WrapError(facteur.EINTERNAL, err, "The exported file %s does not match its size or SHA-256 in the spool; export it again.", p.Name)
		}
		return nil, g.uploadError(ctx, err)
	}
	if err := w.Close(); err != nil {
		return nil, g.uploadError(ctx, err)
	}
	return w.Attrs(), nil
}

// uploadError explains an error of an upload.
func (g *GCS) uploadError(ctx context.Context, err error) error {
	if status(err) == 412 {
		return errPreconditionFailed
	}
	return g.apiError(ctx, err)
}

// verify checks the new object's size, SHA-256 metadata and the CRC32C
// and MD5 Cloud Storage computed of what it stored. An object that does
// not hold the file is deleted (best effort) and the delivery fails with
// EUNAVAILABLE, so that it is tried again.
func (g *GCS) verify(ctx context.Context, name string, p deliver.Payload, sum sums, a *storage.ObjectAttrs) error {
	if a == nil {
		return facteur.Errorf(facteur.EUNAVAILABLE, "Cloud Storage did not describe object %s after its upload; the delivery will be tried again.", g.location(name))
	}
	var what string
	switch {
	case a.Size != p.Size:
		what = fmt.Sprintf("holds %d bytes, not the %d bytes delivered", a.Size, p.Size)
	case a.Metadata[metaSHA256] != p.SHA256:
		what = "does not carry the file's SHA-256"
	case a.CRC32C != sum.crc32c:
		what = fmt.Sprintf("has CRC32C %08x, not the file's %08x", a.CRC32C, sum.crc32c)
	case len(a.MD5) != 0 && !bytes.Equal(a.MD5, sum.md5):
		what = fmt.Sprintf("has MD5 %x, not the file's %x", a.MD5, sum.md5)
	default:
		return nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_ = g.client.Bucket(g.cfg.Bucket).Object(name).If(storage.Conditions{GenerationMatch: a.Generation}).Delete(dctx)
	return facteur.Errorf(facteur.EUNAVAILABLE, "Object %s %s after its upload; the delivery will be tried again.", g.location(name), what)
}
