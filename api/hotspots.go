package api

import "github.com/gin-gonic/gin"

// AnalysisBackend is the storage the hot spot analyses need.
type AnalysisBackend interface{}

// analysisRoutes registers the hot spot and emerging hot spot analyses.
func (s *Server) analysisRoutes(v1 *gin.RouterGroup) {}
