package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// dropConfig is the config of the throw-away kinds below.
type dropConfig struct {
	Dir   string `json:"dir"`
	Token string `json:"token"`
}

// dropKind returns a destination kind that exists only in this test: a
// kind is one registration, and the API, the form, the access rules and
// the history all read it.
func dropKind(name string, fileStorage bool) deliver.Kind {
	return deliver.Kind{
		Name:        name,
		Help:        "A drop box of the test",
		FileStorage: fileStorage,
		Fields: []deliver.Field{
			{Name: "dir", Type: "text", Help: "Drop directory", Required: true},
			{Name: "token", Type: "password", Help: "Drop token", Secret: true},
		},
		Open: func(config json.RawMessage, env deliver.Env) (facteur.Deliverer, error) {
			var c dropConfig
			if err := json.Unmarshal(config, &c); err != nil {
				return nil, facteur.Errorf(facteur.EINVALID, "config: not a JSON object")
			}
			if c.Dir == "" {
				return nil, facteur.Errorf(facteur.EINVALID, "dir: give the drop directory")
			}
			return dropDeliverer{}, nil
		},
	}
}

type dropDeliverer struct{}

func (dropDeliverer) Deliver(context.Context, *facteur.Artifact) (facteur.Delivery, error) {
	return facteur.Delivery{Location: "drop"}, nil
}
func (dropDeliverer) Test(context.Context) (facteur.Delivery, error) {
	return facteur.Delivery{Location: "drop"}, nil
}

func TestRegisteredKind(t *testing.T) {
	e := newEnv(t, dropKind("drop", false), dropKind("vault", true))
	editor, filer, admin := e.tokens[facteur.RoleEditor], e.tokens[facteur.RoleFileScheduler], e.tokens[facteur.RoleAdmin]

	// The API validates it with its registration...
	status, body := e.do(editor, "POST", "/api/v1/destinations", `{"name":"box","kind":"drop","config":{"token":"drop-secret-1"}}`)
	if status != http.StatusBadRequest || !strings.Contains(body, "dir: give the drop directory") {
		t.Fatalf("drop without dir: %d %s; want 400 naming dir", status, body)
	}
	status, body = e.do(editor, "POST", "/api/v1/destinations", `{"name":"box","kind":"nowhere","config":{}}`)
	if status != http.StatusBadRequest || !strings.Contains(body, "drop") || !strings.Contains(body, "vault") {
		t.Errorf("unknown kind: %d %s; want 400 listing the registered kinds", status, body)
	}
	// ...saves it, and never returns its secret.
	status, body = e.do(editor, "POST", "/api/v1/destinations", `{"name":"box","kind":"drop","config":{"dir":"/in","token":"drop-secret-1"}}`)
	var box struct {
		facteur.Destination
		SecretsSet []string `json:"secrets_set"`
	}
	must(t, json.Unmarshal([]byte(body), &box))
	if status != http.StatusCreated || strings.Contains(body, "drop-secret-1") || len(box.SecretsSet) != 1 || box.SecretsSet[0] != "token" {
		t.Fatalf("create drop: %d %s; want 201 without the token, saying it is set", status, body)
	}
	// An update that leaves the secret empty keeps it.
	status, body = e.do(editor, "PUT", "/api/v1/destinations/"+strconv.FormatInt(box.ID, 10), `{"name":"box","kind":"drop","config":{"dir":"/in2","token":""}}`)
	if status != http.StatusOK || strings.Contains(body, "drop-secret-1") {
		t.Fatalf("update drop: %d %s", status, body)
	}
	stored, err := e.db.Destination(context.Background(), box.ID)
	must(t, err)
	if !strings.Contains(string(stored.Config), "drop-secret-1") || !strings.Contains(string(stored.Config), "/in2") {
		t.Errorf("stored config after an update without the token: %s; want the token kept", stored.Config)
	}
	status, body = e.do(editor, "GET", "/api/v1/destinations", "")
	if status != http.StatusOK || !strings.Contains(body, `"kind": "drop"`) || strings.Contains(body, "drop-secret-1") {
		t.Errorf("list: %d %s; want the drop box without its token", status, body)
	}

	// The roles that may create it come from the registration: a file
	// storage kind needs a file scheduler.
	if status, body = e.do(editor, "POST", "/api/v1/destinations", `{"name":"safe","kind":"vault","config":{"dir":"/v"}}`); status != http.StatusForbidden {
		t.Errorf("editor creates a vault: %d %s; want 403", status, body)
	}
	status, body = e.do(filer, "POST", "/api/v1/destinations", `{"name":"safe","kind":"vault","config":{"dir":"/v","token":"vault-secret-2"}}`)
	if status != http.StatusCreated || strings.Contains(body, "vault-secret-2") {
		t.Fatalf("file scheduler creates a vault: %d %s", status, body)
	}
	var safe facteur.Destination
	must(t, json.Unmarshal([]byte(body), &safe))

	// The history: a drop box's runs are seen by every account, a vault's
	// by its owner and administrators.
	editorUser, filerUser := e.users[facteur.RoleEditor], e.users[facteur.RoleFileScheduler]
	dropRun := e.run(e.schedule(editorUser, &box.Destination))
	vaultRun := e.run(e.schedule(filerUser, &safe))
	for _, c := range []struct {
		who         string
		token       string
		drop, vault bool
	}{
		{"the viewer", e.tokens[facteur.RoleViewer], true, false},
		{"another editor", e.otherEditor, true, false},
		{"another file scheduler", e.otherFiler, true, false},
		{"the vault's owner", filer, true, true},
		{"an administrator", admin, true, true},
	} {
		status, body := e.do(c.token, "GET", "/api/v1/runs", "")
		if status != http.StatusOK {
			t.Fatalf("%s: runs: %d %s", c.who, status, body)
		}
		var runs []facteur.Run
		must(t, json.Unmarshal([]byte(body), &runs))
		seen := map[int64]bool{}
		for _, r := range runs {
			seen[r.ID] = true
		}
		if seen[dropRun.ID] != c.drop || seen[vaultRun.ID] != c.vault {
			t.Errorf("%s sees the drop box's run: %v (want %v), the vault's: %v (want %v)", c.who, seen[dropRun.ID], c.drop, seen[vaultRun.ID], c.vault)
		}
		status, _ = e.do(c.token, "GET", "/api/v1/runs/"+strconv.FormatInt(vaultRun.ID, 10), "")
		if (status == http.StatusOK) != c.vault {
			t.Errorf("%s: GET the vault's run: %d, want visible=%v", c.who, status, c.vault)
		}
	}

	// The web form offers both kinds, with their fields, the secret as a
	// password.
	form := uiPages(t, e)("/destinations/new")
	for _, want := range []string{`<option value="drop"`, `<option value="vault"`, `A drop box of the test`,
		`id="drop.dir"`, `Drop directory`, `id="drop.token" name="drop.token" type="password"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the destination form lacks %q", want)
		}
	}
	edit := uiPages(t, e)("/destinations/" + strconv.FormatInt(box.ID, 10) + "/edit")
	if strings.Contains(edit, "drop-secret-1") || !strings.Contains(edit, `value="/in2"`) {
		t.Error("the edit form shows the token, or not the directory")
	}
}
