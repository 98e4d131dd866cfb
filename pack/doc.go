// Package pack is the packaging stage of an export, between the format and
// the spooled artifact: encryption of the whole file to a destination's
// recipients (C2), with age (X25519 recipients) or OpenPGP (armoured public
// keys), as an io.WriteCloser that streams. Check validates the recipients
// when a destination is saved, with the same rules Encrypt applies when a
// run writes the file.
package pack
