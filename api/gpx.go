package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
)

// uploadedFile returns the file of an upload: the part named field of a multipart/form-data
// body, or else the raw body.
func uploadedFile(c *gin.Context, field string) ([]byte, error) {
	media, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if media != "multipart/form-data" {
		body, err := readBody(c)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, badField("body", "empty: send the file as the body or as the multipart part "+strconv.Quote(field))
		}
		return body, nil
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, badField(field, "malformed multipart body: "+err.Error())
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, badField(field, "required: a multipart part named "+strconv.Quote(field))
		}
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, err
			}
			return nil, badField(field, "malformed multipart body: "+err.Error())
		}
		if part.FormName() != field {
			part.Close()
			continue
		}
		data, err := io.ReadAll(part)
		part.Close()
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, err
			}
			return nil, badField(field, "could not be read: "+err.Error())
		}
		return data, nil
	}
}

// postGPX stores the track points of a GPX file as fixes of ?device=ID (for a device secret,
// its own device by default).
func (s *Server) postGPX(c *gin.Context) {
	caller := callerOf(c)
	ident := c.Query("device")
	if ident == "" && caller.Kind == patrol.CallerDevice {
		ident = caller.Device.Ident
	}
	if ident == "" {
		writeProblem(c, badField("device", "required: the id of the device that recorded the track"))
		return
	}
	if !validIdent(ident) {
		writeProblem(c, badField("device", identProblem))
		return
	}
	d, err := s.newDeviceAuthorizer(caller).Device(c.Request.Context(), ident)
	if err != nil {
		fail(c, err)
		return
	}
	if d == nil {
		if err := s.db.RejectMany(c.Request.Context(), []patrol.Rejection{{DeviceIdent: ident, Source: "gpx", Reason: "unknown device", Addr: c.ClientIP()}}); err != nil {
			s.log.Warn("could not write the rejection log", "source", "gpx", "err", err)
		}
		writeProblem(c, problem(http.StatusNotFound, "no device "+strconv.Quote(ident), FieldError{"device", "unknown device"}))
		return
	}
	data, err := uploadedFile(c, "file")
	if err != nil {
		fail(c, err)
		return
	}
	list, err := decode.GPX(data, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	for i := range list {
		list[i].Ident = ident
	}
	s.ingest(c, list, "gpx")
}
