package ttlcache

import (
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)

func TestExpiresAfterTTL(t *testing.T) {
	c := New[string, int](10*time.Second, 10)
	c.Put("a", 1, c.Gen(), t0)
	if v, ok := c.Get("a", t0.Add(9*time.Second)); !ok || v != 1 {
		t.Fatalf("9 s after put: got %d, %v; want 1, true", v, ok)
	}
	if _, ok := c.Get("a", t0.Add(10*time.Second)); ok {
		t.Fatal("10 s after put (the TTL): still found")
	}
	if n := c.Len(); n != 0 {
		t.Fatalf("the expired entry was not dropped on Get: %d entries", n)
	}
}

func TestZeroTTLKeepsNothing(t *testing.T) {
	c := New[string, int](0, 10)
	c.Put("a", 1, c.Gen(), t0)
	if _, ok := c.Get("a", t0); ok {
		t.Fatal("a zero TTL cache returned an entry")
	}
}

func TestBoundDropsExpiredFirst(t *testing.T) {
	c := New[int, int](time.Minute, 3)
	c.Put(1, 1, c.Gen(), t0)
	c.Put(2, 2, c.Gen(), t0.Add(30*time.Second))
	c.Put(3, 3, c.Gen(), t0.Add(30*time.Second))
	// Full; entry 1 has expired by now, so only it goes.
	now := t0.Add(70 * time.Second)
	c.Put(4, 4, c.Gen(), now)
	for k, want := range map[int]bool{1: false, 2: true, 3: true, 4: true} {
		if _, ok := c.Get(k, now); ok != want {
			t.Errorf("key %d found = %v, want %v", k, ok, want)
		}
	}
	// Full of live entries: a new key clears the lot rather than growing past the bound.
	c.Put(5, 5, c.Gen(), now)
	if n := c.Len(); n != 1 {
		t.Fatalf("after a put into a full cache of live entries: %d entries, want 1", n)
	}
	// Overwriting a key already held never evicts.
	c.Put(6, 6, c.Gen(), now)
	c.Put(7, 7, c.Gen(), now)
	c.Put(7, 70, c.Gen(), now)
	if n := c.Len(); n != 3 {
		t.Fatalf("overwriting a held key changed the size to %d, want 3", n)
	}
	if v, _ := c.Get(7, now); v != 70 {
		t.Fatalf("overwritten value: %d, want 70", v)
	}
}

func TestStalePutAfterForget(t *testing.T) {
	c := New[string, string](time.Minute, 10)
	c.Put("tok", "old role", c.Gen(), t0)
	gen := c.Gen() // a lookup starts reading the source…
	c.ForgetAll()  // …the role changes meanwhile…
	c.Put("tok", "old role", gen, t0)
	if _, ok := c.Get("tok", t0); ok {
		t.Fatal("a put begun before ForgetAll put back the forgotten entry")
	}
	gen = c.Gen()
	c.Forget(func(v string) bool { return v == "nobody" })
	c.Put("tok", "old role", gen, t0)
	if _, ok := c.Get("tok", t0); ok {
		t.Fatal("a put begun before Forget put back an entry")
	}
	c.Put("tok", "new role", c.Gen(), t0)
	if v, ok := c.Get("tok", t0); !ok || v != "new role" {
		t.Fatalf("a put after the change: got %q, %v", v, ok)
	}
}

func TestForgetMatching(t *testing.T) {
	type device struct{ id int }
	c := New[string, device](time.Minute, 10)
	gen := c.Gen()
	c.Put("phone-a", device{1}, gen, t0)
	c.Put("phone-b", device{2}, gen, t0)
	c.Put("phone-a2", device{1}, gen, t0)
	c.Forget(func(d device) bool { return d.id == 1 })
	for k, want := range map[string]bool{"phone-a": false, "phone-a2": false, "phone-b": true} {
		if _, ok := c.Get(k, t0); ok != want {
			t.Errorf("%s found = %v, want %v", k, ok, want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New[int, int](time.Minute, 50)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := (w*2000 + i) % 200
				if v, ok := c.Get(k, t0); ok && v != k*10 {
					t.Errorf("key %d holds %d", k, v)
					return
				}
				c.Put(k, k*10, c.Gen(), t0)
				if i%500 == 0 {
					c.ForgetAll()
				}
			}
		}(w)
	}
	wg.Wait()
	if n := c.Len(); n > 50 {
		t.Fatalf("%d entries, bound 50", n)
	}
}
