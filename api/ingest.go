package api

import "github.com/gin-gonic/gin"

// IngestBackend is the storage the tracking-app protocols need beyond CoreBackend.
type IngestBackend interface{}

// ingestRoutes registers the tracking-app protocols (OsmAnd, OwnTracks, GPX, incident CSV).
func (s *Server) ingestRoutes(r *gin.Engine, v1 *gin.RouterGroup) {}
