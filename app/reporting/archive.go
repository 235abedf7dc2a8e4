package reporting

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// ArchiveStore keeps the archived reports (store implements it).
type ArchiveStore interface {
	// ArchiveReport numbers the report per unit and year in one transaction: build renders it
	// with the number and the store keeps it with the SHA-256 of its Content.
	ArchiveReport(ctx context.Context, unitID, year int, build func(number int) (patrol.ReportSnapshot, error)) (patrol.ReportSnapshot, error)
	ReportBySHA256(ctx context.Context, sum []byte) (patrol.ReportSnapshot, error)
}

// NumberText writes a report number as printed: "3/BC-DEMO", the suffix being the unit's
// setting or its code in capitals.
func NumberText(number int, s Settings, u patrol.Unit) string {
	suffix := s.NumberSuffix
	if suffix == "" {
		suffix = strings.ToUpper(u.Code)
	}
	return strconv.Itoa(number) + "/BC-" + suffix
}

// Archive numbers, renders and archives a draft for a user. The archived SHA-256 is that of the
// draft's canonical content with its number, and it is the hash printed on every page.
func (s *Service) Archive(ctx context.Context, store ArchiveStore, d *Draft, by patrol.User) (patrol.ReportSnapshot, error) {
	year := d.Cutoff.In(d.Report.Unit.Location).Year()
	return store.ArchiveReport(ctx, d.Unit.ID, year, func(number int) (patrol.ReportSnapshot, error) {
		text := NumberText(number, d.Settings, d.Unit)
		html, _, err := d.Render(text)
		if err != nil {
			return patrol.ReportSnapshot{}, err
		}
		content, err := d.Content.Canonical()
		if err != nil {
			return patrol.ReportSnapshot{}, err
		}
		return patrol.ReportSnapshot{UnitID: d.Unit.ID, From: d.Period.From, To: d.Period.To, FromText: d.Request.From,
			ToText: d.Request.To, Lang: d.Request.Lang, Verdict: d.Verdict.Value, Cutoff: d.Cutoff, HTML: html, Content: content,
			NumberText: text, CreatedBy: by.ID, CreatedByName: by.Username}, nil
	})
}

// Verification is what GET /verify/{sha256} tells anyone about an issued report: its unit,
// number, period and time of issue — nothing more.
type Verification struct {
	Issued   bool   `json:"issued"`
	SHA256   string `json:"sha256"`
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name"`
	Number   string `json:"number"`
	From     string `json:"from"`
	To       string `json:"to"`
	LastDay  string `json:"last_day,omitempty"` // the last day included, when from and to are dates
	IssuedAt string `json:"issued_at"`
}

// Verify looks up an issued report by the SHA-256 printed on it. A malformed hash is a
// *patrol.FieldError on sha256; an unknown one patrol.ErrNotFound.
func Verify(ctx context.Context, store ArchiveStore, units interface {
	UnitByID(ctx context.Context, id int) (patrol.Unit, error)
}, hexSum string) (Verification, error) {
	sum, err := hex.DecodeString(strings.ToLower(hexSum))
	if err != nil || len(sum) != 32 {
		return Verification{}, patrol.Invalid("sha256", "must be 64 hexadecimal digits")
	}
	r, err := store.ReportBySHA256(ctx, sum)
	if err != nil {
		return Verification{}, err
	}
	u, err := units.UnitByID(ctx, r.UnitID)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Issued: true, SHA256: hex.EncodeToString(sum), Unit: u.Code, UnitName: u.Name, Number: r.NumberText,
		From: r.FromText, To: r.ToText, IssuedAt: r.CreatedAt.UTC().Format(time.RFC3339)}
	if _, e1 := geo.ParseDate(r.FromText); e1 == nil {
		if _, e2 := geo.ParseDate(r.ToText); e2 == nil {
			v.LastDay = geo.DateOf(r.To.Add(-time.Nanosecond), unit.Location(u)).String()
		}
	}
	return v, nil
}
