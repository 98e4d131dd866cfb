package email

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Kind is the registration of e-mail destinations (D1).
func Kind() deliver.Kind {
	return deliver.Kind{
		Name:    facteur.DestinationEmail,
		Help:    "mails the file to people",
		OneFile: true,
		Fields: []deliver.Field{
			{Name: "to", Type: "lines", Help: "Recipients"},
			{Name: "groups", Type: "groups", Help: "Recipient groups"},
			{Name: "recipients", Type: "select", Options: []string{Separate, Bcc, Together}, Help: "How recipients are addressed"},
			{Name: "subject", Type: "text", Help: "Subject"},
			{Name: "message", Type: "textarea", Help: "Message"},
			{Name: "html", Type: "checkbox", Help: "The message is HTML"},
			{Name: "body", Type: "select", Options: []string{BodyAttachment, BodyTable, BodyBoth}, Help: "Where the report goes"},
			{Name: "body_rows", Type: "number", Help: "Rows shown in the mail"},
		},
		Open: func(config json.RawMessage, env deliver.Env) (facteur.Deliverer, error) {
			cfg, err := ParseConfig(config)
			if err != nil {
				return nil, err
			}
			return New(cfg, env)
		},
		Where: func(config json.RawMessage) string {
			c, err := ParseConfig(config)
			if err != nil {
				return ""
			}
			where := c.To
			switch n := len(c.Groups); {
			case n == 1:
				where = append(where, "1 recipient group")
			case n > 1:
				where = append(where, fmt.Sprintf("%d recipient groups", n))
			}
			return strings.Join(where, ", ")
		},
		BodyRows: func(config json.RawMessage) int64 {
			c, err := ParseConfig(config)
			if err != nil {
				return 0
			}
			return c.Rows()
		},
		Recipients: func(config json.RawMessage) ([]string, error) {
			c, err := ParseConfig(config)
			if err != nil {
				return nil, err
			}
			return c.To, nil
		},
	}
}
