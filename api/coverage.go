package api

import "github.com/gin-gonic/gin"

// CoverageBackend is the storage the coverage analyses need.
type CoverageBackend interface{}

// coverageRoutes registers coverage, gaps, compliance and tracks.
func (s *Server) coverageRoutes(v1 *gin.RouterGroup) {}
