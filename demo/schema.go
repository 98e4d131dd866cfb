package demo

// schema creates the demo's tables. Times are ISO text in UTC
// ("2006-01-02 15:04:05"), dates "2006-01-02", booleans 0 or 1, as SQLite
// applications commonly store them. Foreign keys are declared for readers
// and tools; the data keeps them (see the tests).
const schema = `
CREATE TABLE agents (
	id        INTEGER PRIMARY KEY,
	full_name TEXT NOT NULL,
	email     TEXT NOT NULL,
	phone     TEXT,
	team      TEXT NOT NULL,
	hired_on  DATE NOT NULL,
	active    BOOLEAN NOT NULL
);
CREATE TABLE customers (
	id         INTEGER PRIMARY KEY,
	first_name TEXT NOT NULL,
	last_name  TEXT NOT NULL,
	email      TEXT NOT NULL,
	phone      TEXT,
	company    TEXT,
	city       TEXT NOT NULL,
	country    TEXT NOT NULL, -- ISO 3166-1 alpha-2
	created_at DATETIME NOT NULL
);
CREATE TABLE tickets (
	id           INTEGER PRIMARY KEY,
	customer_id  INTEGER NOT NULL REFERENCES customers (id),
	agent_id     INTEGER REFERENCES agents (id), -- NULL until an agent takes the ticket
	subject      TEXT NOT NULL,
	status       TEXT NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
	priority     TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
	channel      TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'chat', 'web')),
	created_at   DATETIME NOT NULL,
	updated_at   DATETIME NOT NULL CHECK (updated_at >= created_at),
	solved_at    DATETIME, -- NULL unless solved or closed
	satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5)
);
CREATE TABLE messages (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	author     TEXT NOT NULL CHECK (author IN ('agent', 'customer')),
	body       TEXT NOT NULL,
	created_at DATETIME NOT NULL
);
`

// indexes are created once the rows are in, which is faster than keeping
// them up to date row by row.
const indexes = `
CREATE UNIQUE INDEX agents_email ON agents (email);
CREATE UNIQUE INDEX customers_email ON customers (email);
CREATE INDEX tickets_customer ON tickets (customer_id);
CREATE INDEX tickets_agent ON tickets (agent_id);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_updated ON tickets (updated_at);
CREATE INDEX messages_ticket ON messages (ticket_id);

`
