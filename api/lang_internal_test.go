package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestQueryLang checks the one reading of the lang parameter that places, summary and the
// handover share: vi by default, en on request, 400 naming lang otherwise.
func TestQueryLang(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tests := []struct {
		query  string
		want   string
		status int // 0: no answer written
	}{
		{"", "vi", 0},
		{"lang=vi", "vi", 0},
		{"lang=en", "en", 0},
		{"lang=fr", "", http.StatusBadRequest},
		{"lang=EN", "", http.StatusBadRequest},
		{"lang=", "", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "/api/v1/summary?"+tc.query, nil)
			lang, ok := queryLang(c)
			if tc.status == 0 {
				if !ok || lang != tc.want || c.Writer.Written() {
					t.Fatalf("queryLang = %q, %v (written %v); want %q, true", lang, ok, c.Writer.Written(), tc.want)
				}
				return
			}
			if ok || w.Code != tc.status {
				t.Fatalf("queryLang = %q, %v, status %d; want false and %d", lang, ok, w.Code, tc.status)
			}
			var p struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || len(p.Errors) != 1 || p.Errors[0].Field != "lang" {
				t.Fatalf("answer %s: want a problem naming lang (%v)", w.Body, err)
			}
		})
	}
}
