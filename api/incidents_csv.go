package api

import (
	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
)

// postIncidentsCSV stores the incidents of a CSV file (raw body or multipart part "file") for
// ?unit=CODE.
func (s *Server) postIncidentsCSV(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	data, err := uploadedFile(c, "file")
	if err != nil {
		fail(c, err)
		return
	}
	inputs, err := decode.IncidentsCSV(data, location(u))
	if err != nil {
		fail(c, err)
		return
	}
	s.storeIncidents(c, u, inputs, "csv")
}
