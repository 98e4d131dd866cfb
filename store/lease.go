package store

import (
	"context"
	"fmt"
	"time"

	"github.com/facteur/facteur"
)

var _ facteur.Leases = (*DB)(nil)

const leaseColumns = `job_id, run_id, node, attempt, started_at, renewed_at, expires_at, released`

// AcquireLease records l as the lease of its job, replacing the lease of
// an earlier attempt that was released or has expired at now; another
// attempt's live lease fails with ECONFLICT. It returns the replaced lease,
// or nil.
func (s *store) AcquireLease(ctx context.Context, l *facteur.Lease, now time.Time) (*facteur.Lease, error) {
	var prev *facteur.Lease
	err := s.inTx(ctx, func(tx *store, _ any) error {
		p, err := scanLease(tx.q.queryRow(ctx, `SELECT `+leaseColumns+` FROM job_leases WHERE job_id = ?`, l.JobID))
		switch {
		case isNoRows(err):
		case err != nil:
			return fmt.Errorf("read lease: %w", err)
		case !p.Released && p.ExpiresAt.After(now) && (p.Node != l.Node || p.Attempt != l.Attempt):
			return facteur.Errorf(facteur.ECONFLICT, "job %d is held by attempt %d on node %s until %s",
				l.JobID, p.Attempt, p.Node, p.ExpiresAt.Format(time.RFC3339))
		default:
			prev = p
		}
		d := tx.dialect
		_, err = tx.q.exec(ctx, `INSERT INTO job_leases (`+leaseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (job_id) DO UPDATE SET run_id = excluded.run_id, node = excluded.node,
				attempt = excluded.attempt, started_at = excluded.started_at, renewed_at = excluded.renewed_at,
				expires_at = excluded.expires_at, released = excluded.released`,
			l.JobID, nullID(l.RunID), l.Node, l.Attempt, d.ts(l.StartedAt), d.ts(l.RenewedAt), d.ts(l.ExpiresAt), false)
		if err != nil {
			return fmt.Errorf("acquire lease: %w", err)
		}
		return nil
	})
	return prev, err
}

// RenewLease extends the attempt's lease to until if it still holds it
// and it has not expired at now.
func (s *store) RenewLease(ctx context.Context, jobID int64, node string, attempt int, now, until time.Time) (bool, error) {
	d := s.dialect
	n, err := s.q.exec(ctx, `UPDATE job_leases SET renewed_at = ?, expires_at = ?
		WHERE job_id = ? AND node = ? AND attempt = ? AND expires_at > ? AND released = ?`,
		d.ts(now), d.ts(until), jobID, node, attempt, d.ts(now), false)
	if err != nil {
		return false, fmt.Errorf("renew lease: %w", err)
	}
	return n == 1, nil
}

// ReleaseLease marks the attempt's lease as ended on its own, valid until
// until.
func (s *store) ReleaseLease(ctx context.Context, jobID int64, node string, attempt int, until time.Time) error {
	_, err := s.q.exec(ctx, `UPDATE job_leases SET released = ?, expires_at = ?
		WHERE job_id = ? AND node = ? AND attempt = ?`, true, s.dialect.ts(until), jobID, node, attempt)
	if err != nil {
		return fmt.Errorf("release lease: %w", err)
	}
	return nil
}

// ReclaimExpired makes available again the running jobs whose current
// attempt's lease expired before now (and, on PostgreSQL, those of kinds
// claimed before orphanedBefore that never got a lease), each with its run
// set back to queued, in one transaction. A job is taken up only while it
// is still running the attempt that lost its lease, so two nodes reclaiming
// at once never hand it out twice.
func (s *store) ReclaimExpired(ctx context.Context, now, orphanedBefore time.Time, kinds []string) ([]facteur.Lease, error) {
	var out []facteur.Lease
	err := s.inTx(ctx, func(tx *store, _ any) error {
		out = out[:0]
		expired, err := tx.leases(ctx, `SELECT l.job_id, l.run_id, l.node, l.attempt, l.started_at, l.renewed_at,
				l.expires_at, l.released
			FROM job_leases l JOIN river_job j ON j.id = l.job_id AND j.attempt = l.attempt
			WHERE j.state = 'running' AND l.expires_at < ?`, tx.dialect.ts(now))
		if err != nil {
			return err
		}
		if tx.dialect == DialectPostgres && len(kinds) > 0 {
			// SQLite needs no such sweep: its only node takes up every
			// running job when it starts (ReclaimAll).
			rows, err := tx.q.query(ctx, `SELECT j.id, j.attempt FROM river_job j
				WHERE j.state = 'running' AND j.kind = ANY(?) AND j.attempted_at < ?
				AND NOT EXISTS (SELECT 1 FROM job_leases l WHERE l.job_id = j.id AND l.attempt = j.attempt)`,
				kinds, orphanedBefore.UTC())
			if err != nil {
				return fmt.Errorf("orphaned jobs: %w", err)
			}
			for rows.Next() {
				var l facteur.Lease
				if err := rows.Scan(&l.JobID, &l.Attempt); err != nil {
					rows.Close()
					return fmt.Errorf("orphaned jobs: %w", err)
				}
				expired = append(expired, l)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("orphaned jobs: %w", err)
			}
		}
		for _, l := range expired {
			ok, err := tx.requeueJob(ctx, l.JobID, l.Attempt)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, l)
			}
		}
		return nil
	})
	return out, err
}

// ReclaimAll makes every running job available again, its run queued, and
// ends every lease at now.
func (s *store) ReclaimAll(ctx context.Context, now time.Time) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *store, _ any) error {
		ids = ids[:0]
		rows, err := tx.q.query(ctx, `SELECT id, attempt FROM river_job WHERE state = 'running'`)
		if err != nil {
			return fmt.Errorf("running jobs: %w", err)
		}
		var jobs [][2]int64
		for rows.Next() {
			var id, attempt int64
			if err := rows.Scan(&id, &attempt); err != nil {
				rows.Close()
				return fmt.Errorf("running jobs: %w", err)
			}
			jobs = append(jobs, [2]int64{id, attempt})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("running jobs: %w", err)
		}
		for _, j := range jobs {
			ok, err := tx.requeueJob(ctx, j[0], int(j[1]))
			if err != nil {
				return err
			}
			if ok {
				ids = append(ids, j[0])
			}
		}
		if _, err := tx.q.exec(ctx, `UPDATE job_leases SET expires_at = ? WHERE expires_at > ?`,
			tx.dialect.ts(now), tx.dialect.ts(now)); err != nil {
			return fmt.Errorf("end leases: %w", err)
		}
		return nil
	})
	return ids, err
}

// requeueJob makes job id available again if it is still running attempt,
// and sets its run (if any) back to queued; it reports whether it did.
// The job keeps its scheduled time, already past, so it is fetched at once.
func (s *store) requeueJob(ctx context.Context, id int64, attempt int) (bool, error) {
	n, err := s.q.exec(ctx, `UPDATE river_job SET state = 'available'
		WHERE id = ? AND attempt = ? AND state = 'running'`, id, attempt)
	if err != nil {
		return false, fmt.Errorf("requeue job %d: %w", id, err)
	}
	if n == 0 {
		return false, nil
	}
	if _, err := s.q.exec(ctx, `UPDATE runs SET status = ? WHERE job_id = ? AND status = ?`,
		facteur.RunQueued, id, facteur.RunRunning); err != nil {
		return false, fmt.Errorf("requeue run of job %d: %w", id, err)
	}
	return true, nil
}

// leases runs a query of leaseColumns.
func (s *store) leases(ctx context.Context, query string, args ...any) ([]facteur.Lease, error) {
	rows, err := s.q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("leases: %w", err)
	}
	defer rows.Close()
	var out []facteur.Lease
	for rows.Next() {
		l, err := scanLease(rows)
		if err != nil {
			return nil, fmt.Errorf("leases: %w", err)
		}
		out = append(out, *l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("leases: %w", err)
	}
	return out, nil
}

func scanLease(r row) (*facteur.Lease, error) {
	var (
		l     facteur.Lease
		runID nullInt
	)
	if err := r.Scan(&l.JobID, &runID, &l.Node, &l.Attempt, timeScan{&l.StartedAt}, timeScan{&l.RenewedAt},
		timeScan{&l.ExpiresAt}, &l.Released); err != nil {
		return nil, err
	}
	l.RunID = int64(runID)
	return &l, nil
}
