package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/store"
)

// Environment of the first administrator, read on a start without accounts.
const (
	envAdminEmail    = "FACTEUR_ADMIN_EMAIL"
	envAdminPassword = "FACTEUR_ADMIN_PASSWORD"
)

const userUsage = `usage:
  facteur user create --email ADDRESS [--role ROLE | --admin] [--name NAME] [--password-stdin]
  facteur user password --email ADDRESS [--password-stdin]
  facteur user deactivate --email ADDRESS
  facteur user token --email ADDRESS --name NAME [--expires-days N]
  facteur user list

Each also takes --data DIR and --database URL, like serve.
Without --password-stdin, a password is generated and printed once.
Roles: viewer, editor, file_scheduler, admin.
`

// runUser is `facteur user`: accounts managed on the server's machine,
// for the first administrator and for recovery.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	sub := args[0]
	// The flags each subcommand takes besides --data and --database: its
	// -h lists those, and another one is refused.
	takes, ok := map[string]string{
		"create":     "email name role admin password-stdin",
		"password":   "email password-stdin",
		"deactivate": "email",
		"token":      "email name expires-days",
		"list":       "",
	}[sub]
	if !ok {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "./facteur-data", "data directory (holds secret.key and the embedded database)")
	database := fs.String("database", "", "postgres:// URL of the store, if not the embedded SQLite")
	var email, name, role string
	var admin, fromStdin bool
	var days int
	for _, f := range strings.Fields(takes) {
		switch f {
		case "email":
			fs.StringVar(&email, f, "", "the account's e-mail address")
		case "name":
			usage := "the account's name"
			if sub == "token" {
				usage = "what the token is for"
			}
			fs.StringVar(&name, f, "", usage)
		case "role":
			fs.StringVar(&role, f, string(facteur.RoleViewer), "viewer, editor, file_scheduler or admin")
		case "admin":
			fs.BoolVar(&admin, f, false, "same as --role admin")
		case "password-stdin":
			fs.BoolVar(&fromStdin, f, false, "read the password from the first line of standard input")
		case "expires-days":
			fs.IntVar(&days, f, 0, "the token stops working after this many days (0: never)")
		}
	}
	if err := envFlags(fs, args[1:]); err != nil {
		return errUsage
	}
	if sub != "list" && email == "" {
		fmt.Fprintf(stderr, "facteur user %s: --email is required\n\n%s", sub, userUsage)
		return errUsage
	}
	data, err := dataDirectory(*dataDir)
	if err != nil {
		return err
	}
	db, _, err := openStore(ctx, data, *database, stdout)
	if err != nil {
		return err
	}
	defer db.Close()

	password := func() (string, bool, error) {
		if !fromStdin {
			return auth.NewSecret(15), true, nil
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, facteur.Errorf(facteur.EINVALID, "password-stdin: standard input is empty")
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	switch sub {
	case "create":
		r := facteur.Role(role)
		if admin {
			r = facteur.RoleAdmin
		}
		pw, generated, err := password()
		if err != nil {
			return err
		}
		u, err := createUser(ctx, db, email, name, r, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created %s (%s), account %d.\n", u.Email, u.Role, u.ID)
		if generated {
			fmt.Fprintf(stdout, "Password (shown once): %s\n", pw)
		}
		return nil
	case "list":
		users, err := db.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tACTIVE\tLAST LOGIN")
		for _, u := range users {
			last := "-"
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%s\n", u.ID, u.Email, u.Role, u.Active, last)
		}
		return tw.Flush()
	}
	u, err := db.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	switch sub {
	case "password":
		pw, generated, err := password()
		if err != nil {
			return err
		}
		if u.PasswordHash, err = auth.HashPassword(pw); err != nil {
			return err
		}
		if err := db.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := db.DeleteSessions(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Password of %s changed; its sessions were ended.\n", u.Email)
		if generated {
			fmt.Fprintf(stdout, "Password (shown once): %s\n", pw)
		}
	case "deactivate":
		u.Active = false
		if err := db.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := db.DeleteSessions(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is deactivated: its sessions and tokens stop working and its schedules fail until an administrator activates it again.\n", u.Email)
	case "token":
		if strings.TrimSpace(name) == "" {
			return facteur.Errorf(facteur.EINVALID, "name: say what the token is for, e.g. --name \"nightly script\"")
		}
		var exp *time.Time
		if days > 0 {
			t := time.Now().Add(time.Duration(days) * 24 * time.Hour)
			exp = &t
		}
		t, secret := auth.IssueToken(u.ID, strings.TrimSpace(name), exp)
		if err := db.CreateToken(ctx, t); err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
	}
	return nil
}

// dataDirectory returns the absolute path of the data directory, creating
// it when missing.
func dataDirectory(dir string) (string, error) {
	data, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(data, 0o750); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	return data, nil
}

// openStore opens the store of the data directory data (the embedded
// SQLite database) or of a PostgreSQL URL, with the server's key, and
// returns it with its config.
func openStore(ctx context.Context, data, database string, stdout io.Writer) (*store.DB, store.Config, error) {
	ring, err := keyring(data, stdout)
	if err != nil {
		return nil, store.Config{}, err
	}
	cfg := store.Config{SQLitePath: filepath.Join(data, "facteur.db"), Keyring: ring, Formats: format.Builtin()}
	if database != "" {
		cfg = store.Config{PostgresURL: database, Keyring: ring, Formats: format.Builtin()}
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, cfg, fmt.Errorf("open store: %w", err)
	}
	return db, cfg, nil
}

// createUser creates an active account with a password. The first
// administrator also becomes the owner of everything made before accounts
// existed.
func createUser(ctx context.Context, st facteur.Store, email, name string, role facteur.Role, password string) (*facteur.User, error) {
	if !role.Valid() {
		return nil, facteur.Errorf(facteur.EINVALID, "role: use viewer, editor, file_scheduler or admin")
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &facteur.User{Email: email, Name: name, Role: role, Active: true, PasswordHash: hash}
	if err := st.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if role == facteur.RoleAdmin {
		if err := st.AdoptOrphans(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// bootstrapAdmin makes sure a server has an administrator: on a start
// without any account it creates one from FACTEUR_ADMIN_EMAIL and
// FACTEUR_ADMIN_PASSWORD, or with --demo a demo administrator whose
// generated password is printed once. There is never a default password.
// It returns the administrator that owns the demo (nil without one).
func bootstrapAdmin(ctx context.Context, st facteur.Store, demo bool, stdout io.Writer) (*facteur.User, error) {
	users, err := st.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Active && u.Role == facteur.RoleAdmin {
			return u, nil
		}
	}
	email, password := os.Getenv(envAdminEmail), os.Getenv(envAdminPassword)
	switch {
	case len(users) > 0:
		fmt.Fprintln(stdout, "No active administrator: create one with `facteur user create --admin --email ADDRESS`.")
		return nil, nil
	case email != "" && password == "":
		return nil, facteur.Errorf(facteur.EINVALID, "%s is set but %s is not: give the first administrator a password", envAdminEmail, envAdminPassword)
	case email != "":
		u, err := createUser(ctx, st, email, "", facteur.RoleAdmin, password)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envAdminEmail, err)
		}
		fmt.Fprintf(stdout, "Created the administrator %s from %s.\n", u.Email, envAdminEmail)
		return u, nil
	case demo:
		pw := auth.NewSecret(15)
		u, err := createUser(ctx, st, demoAdmin, "Demo administrator", facteur.RoleAdmin, pw)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "Demo: created the administrator %s with the password %s (shown once; log in to the web UI and change it under your name, top right).\n", u.Email, pw)
		return u, nil
	}
	fmt.Fprintf(stdout, "No account exists yet: create the first administrator with `facteur user create --admin --email ADDRESS`, or start with %s and %s set. Until then the API refuses every request.\n", envAdminEmail, envAdminPassword)
	return nil, nil
}

// demoAdmin is the address of the administrator --demo creates.
const demoAdmin = "demo@example.com"
