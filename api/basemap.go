package api

import "github.com/gin-gonic/gin"

// BasemapPath is where the local PMTiles basemap is served (GET and HEAD, Range → 206).
const BasemapPath = "/basemap/basemap.pmtiles"

// basemapRoutes serves the local basemap to signed-in users: the file says which area the
// unit looks at, and it never leaves this origin.
func (s *Server) basemapRoutes(r *gin.Engine) {
	if s.cfg.Basemap == nil {
		return
	}
	serve := func(c *gin.Context) { s.cfg.Basemap.ServeHTTP(c.Writer, c.Request) }
	r.GET(BasemapPath, s.requireUser, serve)
	r.HEAD(BasemapPath, s.requireUser, serve)
}

// basemapConfig says which basemap the web map draws: a local PMTiles file ("pmtiles", same
// origin), online raster tiles the operator chose ("tiles"), or none.
func (s *Server) basemapConfig() gin.H {
	switch {
	case s.cfg.Basemap != nil:
		return gin.H{"kind": "pmtiles", "url": BasemapPath, "info": s.cfg.BasemapInfo, "attribution": s.cfg.TileAttribution}
	case s.cfg.TileURL != "":
		return gin.H{"kind": "tiles", "url": s.cfg.TileURL, "attribution": s.cfg.TileAttribution}
	}
	return gin.H{"kind": "none"}
}
