package deliver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// Kind is the registration of one kind of destination: everything the
// API, the web UI, the access rules and the run history need to know about
// it. Adding a destination is writing its deliverer and one Kind, in a
// package of its own.
type Kind struct {
	// Name is the kind as stored and as the API spells it ("sftp").
	Name string
	// Help says in a few words where the kind delivers, for messages and
	// for a form without a translated label.
	Help string
	// Fields are the settings of the kind's config, in the order a form
	// shows them. Secret fields are write-only: the API never returns them
	// and an update that leaves one empty keeps the stored value.
	Fields []Field
	// FileStorage marks a kind that writes to file storage outside
	// Facteur (SFTP, S3, a webhook): only file schedulers and
	// administrators create it, and its destinations, schedules and runs
	// are seen only by their owner and administrators (G3).
	FileStorage bool
	// Role is the least role that may create or target the kind. Empty:
	// RoleFileScheduler for a FileStorage kind, else RoleEditor.
	Role facteur.Role
	// Overwrite tells that the kind has an overwrite setting: without it, a
	// different file under a name already delivered is refused (ECONFLICT).
	Overwrite bool
	// TempNames tells that the kind writes under a temporary name and
	// renames, so that a partner never sees half a file.
	TempNames bool
	// OneFile tells that a delivery of the kind is one message holding one
	// file (a mail): a bundle reaches it as one zip, not as separate files.
	OneFile bool
	// Metadata tells that the kind sends the file's SHA-256 and test flag
	// along with it (object metadata, request headers).
	Metadata bool
	// Formats are the export formats (their registry names) the kind
	// takes, for a schedule to be refused at save when it exports another
	// one, compressed or encrypted (deliver.Kind.CheckFormat); nil: any.
	Formats []string
	// Open checks config and returns the deliverer; it fails with
	// EINVALID naming the field to fix.
	Open func(config json.RawMessage, env Env) (facteur.Deliverer, error)
	// Endpoints returns the addresses a destination of the kind connects
	// to, as URLs, for the outbound policy; nil: none.
	Endpoints func(config json.RawMessage) []string
	// Recipients returns the addresses a destination of the kind mails,
	// for the policy's recipient rule; nil: none.
	Recipients func(config json.RawMessage) ([]string, error)
	// BodyRows returns how many of the report's rows a destination of the
	// kind shows in the text of a mail (0: none), for the export to write
	// them beside the file (facteur.Artifact.Body); nil: none.
	BodyRows func(config json.RawMessage) int64
	// Where says in a few words where a destination of the kind delivers
	// ("partner@sftp.example.org:/in"), for lists; it holds no secret.
	Where func(config json.RawMessage) string
	// PublicKey returns the key a partner must authorise; nil: none.
	PublicKey func(config json.RawMessage) string
	// NewKey returns config with a newly generated key pair and the
	// public half; nil: the kind has no key pair.
	NewKey func(config json.RawMessage) (json.RawMessage, string, error)
}

// Field is one setting of a kind's config.
type Field struct {
	// Name is the JSON name in the config.
	Name string
	// Type is how a form edits it: text, number, password, textarea,
	// checkbox, lines (a list, one a line), headers ("Name: value" lines),
	// select (Options) or groups (recipient groups, a list of their ids).
	Type string
	// Options are the choices of a select, the default first.
	Options []string
	// Help says what the setting is, for a form without a translated label.
	Help string
	// Secret fields are write-only (passwords, keys, signing secrets).
	Secret bool
	// Required settings must be given.
	Required bool
}

// CheckFormat fails with EINVALID, naming the format field, when a
// schedule exporting in format with compression (""), to a destination
// that encrypts or not, cannot deliver to a destination of kind k.
func (k *Kind) CheckFormat(format, compression string, encrypted bool) error {
	if len(k.Formats) == 0 {
		return nil
	}
	switch {
	case !slices.Contains(k.Formats, format):
		return facteur.Errorf(facteur.EINVALID, "format.format: a %s destination takes only %s files, not %q; choose one of these", k.Name, strings.Join(k.Formats, " or "), format)
	case compression != "":
		return facteur.Errorf(facteur.EINVALID, "format.compression: a %s destination takes files without compression; leave it empty", k.Name)
	case encrypted:
		return facteur.Errorf(facteur.EINVALID, "destination_id: a %s destination cannot load encrypted files; remove the destination's encryption", k.Name)
	}
	return nil
}

// LeastRole returns the least role that may create or target k.
func (k *Kind) LeastRole() facteur.Role {
	switch {
	case k.Role != "":
		return k.Role
	case k.FileStorage:
		return facteur.RoleFileScheduler
	}
	return facteur.RoleEditor
}

// Registry holds the destination kinds Facteur knows. main builds one
// (kinds.Builtin, then Register for more) and hands it to every part that needs
// to know the kinds; nothing keeps a list of its own.
type Registry struct {
	kinds []*Kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// Register adds a kind. It fails when the name is empty or taken, or the
// kind cannot be opened.
func (r *Registry) Register(k Kind) error {
	switch {
	case k.Name == "":
		return fmt.Errorf("register destination kind: no name")
	case k.Open == nil:
		return fmt.Errorf("register destination kind %q: no Open", k.Name)
	case slices.ContainsFunc(r.kinds, func(o *Kind) bool { return o.Name == k.Name }):
		return fmt.Errorf("register destination kind %q: already registered", k.Name)
	}
	r.kinds = append(r.kinds, &k)
	return nil
}

// Kinds returns the registered kinds, in the order they were registered.
func (r *Registry) Kinds() []*Kind { return slices.Clone(r.kinds) }

// Names returns the names of the registered kinds.
func (r *Registry) Names() []string {
	out := make([]string, len(r.kinds))
	for i, k := range r.kinds {
		out[i] = k.Name
	}
	return out
}

// list names the kinds for a message: "folder, sftp or email".
func (r *Registry) list() string {
	names := r.Names()
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Lookup returns the kind called name. It fails with EINVALID naming the
// kinds there are.
func (r *Registry) Lookup(name string) (*Kind, error) {
	if name == "" {
		return nil, facteur.Errorf(facteur.EINVALID, "kind: choose the kind of destination: %s", r.list())
	}
	for _, k := range r.kinds {
		if k.Name == name {
			return k, nil
		}
	}
	return nil, facteur.Errorf(facteur.EINVALID, "kind: unknown destination kind %q; use %s", name, r.list())
}

// FileStorage reports whether destinations of kind are seen only by their
// owner and administrators. An unknown kind (one no longer registered) is
// treated as file storage: hidden rather than shown to everyone.
func (r *Registry) FileStorage(kind string) bool {
	k, err := r.Lookup(kind)
	return err != nil || k.FileStorage
}

// LeastRole returns the least role that may create or target a
// destination of kind; an unknown kind needs an administrator.
func (r *Registry) LeastRole(kind string) facteur.Role {
	k, err := r.Lookup(kind)
	if err != nil {
		return facteur.RoleAdmin
	}
	return k.LeastRole()
}

// Shared returns the kinds whose destinations, schedules and runs every
// account sees: those that do not write to file storage.
func (r *Registry) Shared() []string {
	var out []string
	for _, k := range r.kinds {
		if !k.FileStorage {
			out = append(out, k.Name)
		}
	}
	return out
}

// Where says in a few words where d delivers, or "" when its kind does not
// say or its config cannot be read.
func (r *Registry) Where(d *facteur.Destination) string {
	k, err := r.Lookup(d.Kind)
	if err != nil || k.Where == nil {
		return ""
	}
	return k.Where(d.Config)
}

// Open returns the deliverer of a destination, after checking its kind and
// settings; one that encrypts its files (d.Encryption) delivers its Send
// test file encrypted too. It fails with EINVALID naming what to fix.
func (r *Registry) Open(d *facteur.Destination, env Env) (facteur.Deliverer, error) {
	k, err := r.Lookup(d.Kind)
	if err != nil {
		return nil, err
	}
	env.DestinationID, env.DestinationName = d.ID, d.Name
	del, err := k.Open(d.Config, env)
	if err != nil || d.Encryption == nil {
		return del, err
	}
	where := d.Name
	if k.Where != nil {
		where = k.Where(d.Config)
	}
	return &encrypted{Deliverer: del, enc: d.Encryption, where: where, now: time.Now}, nil
}

// secretFields returns the JSON names of the secret fields of a kind.
func (r *Registry) secretFields(kind string) []string {
	k, err := r.Lookup(kind)
	if err != nil {
		return nil
	}
	var names []string
	for _, f := range k.Fields {
		if f.Secret {
			names = append(names, f.Name)
		}
	}
	return names
}

// PublicKey returns the public key a partner must authorise for a
// destination (the authorized_keys line of an SFTP destination's private
// key), or "" when it has none.
func (r *Registry) PublicKey(d *facteur.Destination) string {
	k, err := r.Lookup(d.Kind)
	if err != nil || k.PublicKey == nil {
		return ""
	}
	return k.PublicKey(d.Config)
}

// WithNewKey returns a destination's config with a newly generated key
// pair, and the key's public half for the partner. It fails with EINVALID
// for a kind without a key pair.
func (r *Registry) WithNewKey(d *facteur.Destination) (json.RawMessage, string, error) {
	k, err := r.Lookup(d.Kind)
	if err != nil {
		return nil, "", err
	}
	if k.NewKey == nil {
		return nil, "", facteur.Errorf(facteur.EINVALID, "generate_key: only SFTP destinations use a key pair")
	}
	return k.NewKey(d.Config)
}

// Endpoints returns the network addresses a destination connects to, as
// URLs, so that the outbound policy can check them when it is saved (the
// dialer checks them again at every connection).
func (r *Registry) Endpoints(d *facteur.Destination) []string {
	k, err := r.Lookup(d.Kind)
	if err != nil || k.Endpoints == nil {
		return nil
	}
	return k.Endpoints(d.Config)
}

// Recipients returns the addresses a destination mails, and nil for kinds
// that mail no one, so that the policy's recipient rule can be applied by
// whoever saves, tests or runs it.
func (r *Registry) Recipients(d *facteur.Destination) ([]string, error) {
	k, err := r.Lookup(d.Kind)
	if err != nil || k.Recipients == nil {
		return nil, nil
	}
	return k.Recipients(d.Config)
}

// Validator is implemented by deliverers whose settings can be checked
// without contacting anyone (a folder exists and is writable): the API
// runs it when a destination is saved. Remote destinations are not contacted on save, since the
// partner may not have authorised the key yet: Send test, or the first run,
// checks them.
type Validator interface {
	Validate(ctx context.Context) error
}
