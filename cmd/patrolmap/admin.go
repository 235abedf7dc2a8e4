package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/live"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
)

func openStore(ctx context.Context) (*store.Store, error) {
	url, err := databaseURL()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, url, store.Options{})
}

func cmdMigrate(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) > 0 {
		return usageError{"migrate takes no arguments"}
	}
	url, err := databaseURL()
	if err != nil {
		return err
	}
	applied, err := store.Migrate(ctx, url, nil)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "schema is up to date")
		return nil
	}
	fmt.Fprintf(stdout, "applied migrations %v\n", applied)
	return nil
}

func cmdSeedDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
	seed := fs.Int64("seed", 1, "seed of the synthetic data")
	dayFlag := fs.String("day", "", "the day to place the data relative to (YYYY-MM-DD, default today in Asia/Ho_Chi_Minh)")
	keepPlayed := fs.Bool("live", false, "the demo will be played on (serve --demo-live): keep a ward of this seed played within the last 7 days instead of loading a new day's")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return fmt.Errorf("load time zone: %w", err)
	}
	day := time.Now().In(loc)
	if *dayFlag != "" {
		day, err = time.ParseInLocation("2006-01-02", *dayFlag, loc)
		if err != nil {
			return usageError{"--day must be YYYY-MM-DD"}
		}
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if *keepPlayed && *dayFlag == "" {
		kept, err := keepPlayedWard(ctx, s, *seed, time.Now(), stdout)
		if err != nil || kept {
			return err
		}
	}
	start := time.Now()
	w, err := demo.Generate(*seed, day)
	if err != nil {
		return fmt.Errorf("generate demo ward: %w", err)
	}
	if *dayFlag == "" {
		w.Until = day // loaded during last night's shift: only what has been patrolled so far
	}
	res, err := load.Demo(ctx, s, w)
	if err != nil {
		return fmt.Errorf("load demo ward: %w", err)
	}
	if err := setDemoReportSettings(ctx, s, w.Code); err != nil {
		return err
	}
	if res.Loaded {
		fmt.Fprintf(stdout, "demo ward %q loaded: %d fixes, %d incidents in %s (synthetic data, seed %d, day %s)\n",
			w.Code, res.Fixes, res.Incidents, time.Since(start).Round(time.Millisecond), *seed, w.Day.Format("2006-01-02"))
	} else {
		fmt.Fprintf(stdout, "demo ward %q already loaded for seed %d and day %s\n", w.Code, *seed, w.Day.Format("2006-01-02"))
	}
	printDemoLogins(stdout, res.Logins)
	return nil
}

// printDemoLogins lists the demo accounts and their password.
func printDemoLogins(stdout io.Writer, logins []load.Login) {
	fmt.Fprintf(stdout, "demo logins (password %q for each):\n", load.Password)
	for _, l := range logins {
		fmt.Fprintf(stdout, "  %-10s %-8s %s\n", l.Username, l.Role, l.FullName)
	}
}

// keepPlayedWard reports whether the demo ward in the database is one to keep rather than
// replace with a new day's: loaded with this seed and played (serve --demo-live) through a
// moment at most live.MaxCatchUp before now, so the player can bring it up to now and the nights
// the chief has already seen stay as they were. A kept ward's logins are printed.
func keepPlayedWard(ctx context.Context, s *store.Store, seed int64, now time.Time, stdout io.Writer) (bool, error) {
	had, through, err := s.WardPlay(ctx, demo.Code)
	if errors.Is(err, patrol.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo ward: %w", err)
	}
	if !playedRecently(had, through, seed, now) {
		return false, nil
	}
	if err := setDemoReportSettings(ctx, s, demo.Code); err != nil {
		return false, err
	}
	w, err := demo.Generate(seed, now)
	if err != nil {
		return false, fmt.Errorf("generate demo ward: %w", err)
	}
	fmt.Fprintf(stdout, "demo ward %q kept: seed %d, played until %s; serve --demo-live plays it on from there\n",
		demo.Code, seed, through.Format(time.RFC3339))
	printDemoLogins(stdout, load.Logins(w))
	return true, nil
}

// playedRecently reports whether a ward of seed had, played through `through`, is close enough to
// now for a live play to catch up with (live.MaxCatchUp), and holds nothing from the future (as
// a ward loaded with a later --day would).
func playedRecently(had int64, through time.Time, seed int64, now time.Time) bool {
	return had == seed && !through.IsZero() && !through.After(now) && !through.Before(now.Add(-live.MaxCatchUp))
}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: patrolmap user create --username U --role R [--unit CODE] --password-stdin"}
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "admin, analyst or officer")
	unit := fs.String("unit", "", "unit code (empty: all units; officers need one)")
	fullName := fs.String("full-name", "", "the person's name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *username == "" || *role == "" || !*pwStdin {
		return usageError{"--username, --role and --password-stdin are required"}
	}
	if !patrol.Role(*role).Valid() {
		return usageError{"--role must be admin, analyst or officer"}
	}
	if patrol.Role(*role) == patrol.RoleOfficer && *unit == "" {
		return usageError{"an officer needs --unit"}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, store.NewUser{Username: *username, FullName: *fullName, Role: patrol.Role(*role), UnitCode: *unit, Password: password})
	if err != nil {
		return err
	}
	s.Audit(ctx, patrol.AuditEntry{Username: "cli", UnitID: u.UnitID, Action: "user.create", Target: u.Username})
	scope := "all units"
	if u.UnitCode != "" {
		scope = "unit " + u.UnitCode
	}
	fmt.Fprintf(stdout, "created %s %s (%s)\n%d\n", u.Role, u.Username, scope, u.ID)
	return nil
}

func cmdToken(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: patrolmap token create --username U"}
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	username := fs.String("username", "", "the user the token acts as")
	label := fs.String("label", "cli", "a note to recognise the token by")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *username == "" {
		return usageError{"--username is required"}
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByUsername(ctx, *username)
	if err != nil {
		return err
	}
	token, err := s.CreateToken(ctx, u.ID, *label)
	if err != nil {
		return err
	}
	s.Audit(ctx, patrol.AuditEntry{Username: "cli", UnitID: u.UnitID, Action: "token.create", Target: u.Username})
	fmt.Fprintf(stdout, "bearer token for %s (shown once; send it as Authorization: Bearer TOKEN):\n%s\n", u.Username, token)
	return nil
}

func cmdDevice(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: patrolmap device create --unit CODE --id ID"}
	}
	fs := flag.NewFlagSet("device create", flag.ContinueOnError)
	unit := fs.String("unit", "", "unit code")
	id := fs.String("id", "", "the device id its app sends")
	name := fs.String("name", "", "a label")
	officer := fs.String("officer", "", "assign the device to this officer (username)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if *unit == "" || *id == "" {
		return usageError{"--unit and --id are required"}
	}
	s, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UnitByCode(ctx, *unit)
	if err != nil {
		return err
	}
	d, secret, err := s.CreateDevice(ctx, u.ID, *id, *name)
	if err != nil {
		return err
	}
	if *officer != "" {
		o, err := s.UserByUsername(ctx, *officer)
		if err != nil {
			return err
		}
		if err := s.AssignDevice(ctx, d.ID, o.ID, time.Time{}, time.Time{}); err != nil {
			return err
		}
	}
	s.Audit(ctx, patrol.AuditEntry{Username: "cli", UnitID: u.ID, Action: "device.create", Target: d.Ident})
	fmt.Fprintf(stdout, "device %s registered in unit %s; its secret (shown once):\n%s\n", d.Ident, u.Code, secret)
	return nil
}

// demoReportSettings are the official form of the demo ward's reports: a fictional agency,
// chief and recipients, so that its report reads like the real thing.
var demoReportSettings = patrol.ReportSettings{MinIncidents: 5, MinWeeks: 3, GiMinIncidents: 30, KeyAreaNightsPct: 100,
	ParentAgency: "CÔNG AN THÀNH PHỐ MẪU", Agency: "CÔNG AN PHƯỜNG MẪU", NumberSuffix: "CAP", Place: "Phường Mẫu",
	ChiefTitle: "TRƯỞNG CÔNG AN PHƯỜNG", ChiefName: "Nguyễn Văn An", Preparer: "Trần Thị Bình",
	Recipients: []string{"Công an thành phố Mẫu (để báo cáo)", "Đảng ủy, UBND phường Mẫu (để báo cáo)", "Đội Cảnh sát quản lý hành chính về trật tự xã hội"}}

// setDemoReportSettings gives the demo unit its report settings.
func setDemoReportSettings(ctx context.Context, s *store.Store, code string) error {
	u, err := s.UnitByCode(ctx, code)
	if err != nil {
		return fmt.Errorf("demo unit: %w", err)
	}
	if err := s.SetReportSettings(ctx, u.ID, demoReportSettings); err != nil {
		return fmt.Errorf("demo report settings: %w", err)
	}
	return nil
}
