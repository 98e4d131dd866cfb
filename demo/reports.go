package demo

import "github.com/facteur/facteur"

// Reports returns the two demo reports over a database made by Generate,
// with SourceID left 0 for the caller to set: "tickets", one row per ticket
// with its customer and agent, and "agents_activity", one row per agent.
// Names, e-mail addresses and phone numbers are sensitive fields, left out
// of exports unless a schedule opts in.
func Reports() []facteur.Report {
	return []facteur.Report{
		{
			Name: "tickets",
			SQL: `SELECT
	t.id AS ticket_id,
	t.created_at,
	t.updated_at,
	t.status,
	t.priority,
	t.channel,
	t.subject,
	c.first_name || ' ' || c.last_name AS customer_name,
	c.email AS customer_email,
	c.phone AS customer_phone,
	c.city,
	c.country,
	a.full_name AS agent_name,
	t.satisfaction
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN agents a ON a.id = t.agent_id
ORDER BY t.id`,
			Fields: []facteur.Field{
				{Name: "ticket_id"},
				{Name: "created_at"},
				{Name: "updated_at"},
				{Name: "status"},
				{Name: "priority"},
				{Name: "channel"},
				{Name: "subject"},
				{Name: "customer_name", Sensitive: true},
				{Name: "customer_email", Sensitive: true},
				{Name: "customer_phone", Sensitive: true},
				{Name: "city"},
				{Name: "country"},
				{Name: "agent_name", Sensitive: true},
				{Name: "satisfaction"},
			},
			CreatedColumn: "created_at",
			UpdatedColumn: "updated_at",
		},
		{
			Name: "agents_activity",
			SQL: `SELECT
	a.id AS agent_id,
	a.full_name AS agent_name,
	a.email AS agent_email,
	a.team,
	COUNT(t.id) AS tickets_handled,
	COUNT(t.solved_at) AS tickets_solved,
	ROUND(AVG(t.satisfaction), 2) AS avg_satisfaction,
	MAX(t.updated_at) AS last_activity_at
FROM agents a
LEFT JOIN tickets t ON t.agent_id = a.id
GROUP BY a.id, a.full_name, a.email, a.team
ORDER BY a.id`,
			Fields: []facteur.Field{
				{Name: "agent_id"},
				{Name: "agent_name", Sensitive: true},
				{Name: "agent_email", Sensitive: true},
				{Name: "team"},
				{Name: "tickets_handled"},
				{Name: "tickets_solved"},
				{Name: "avg_satisfaction"},
				{Name: "last_activity_at"},
			},
		},
	}
}
