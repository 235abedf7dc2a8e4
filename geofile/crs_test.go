package geofile

import (
	"fmt"
	"strings"
	"testing"
)

const (
	// ESRI .prj of EPSG:9209 as GDAL writes it: the datum is named, PROJ knows its shift.
	prjTM3Named = `PROJCS["VN-2000_TM-3_105-30",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.5],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	// A TM-3 zone on a "WGS 84" datum: what many cadastral tools write for VN-2000 data.
	prjTM3WGS = `PROJCS["TM3_Thai_Nguyen",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",106.5],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	// OGC WKT1 with TOWGS84.
	wktTOWGS    = `PROJCS["VN-2000 / TM-3 105-30",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563],TOWGS84[-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105.5],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]`
	wktUTM48WGS = `PROJCS["WGS 84 / UTM zone 48N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","32648"]]`
	wkt2        = `PROJCRS["VN-2000 / TM-3 105-30",BASEGEOGCRS["VN-2000",DATUM["Vietnam 2000",ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]]],CONVERSION["Vietnam TM-3 105-30",METHOD["Transverse Mercator",ID["EPSG",9807]],PARAMETER["Latitude of natural origin",0,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Longitude of natural origin",105.5,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Scale factor at natural origin",0.9999,SCALEUNIT["unity",1]],PARAMETER["False easting",500000,LENGTHUNIT["metre",1]],PARAMETER["False northing",0,LENGTHUNIT["metre",1]]],CS[Cartesian,2],AXIS["easting (X)",east],AXIS["northing (Y)",north],LENGTHUNIT["metre",1],ID["EPSG",9209]]`
	projBrief   = "+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 +units=m +no_defs"
)

func TestParseCRS(t *testing.T) {
	for _, tc := range []struct {
		name       string
		text       string
		postgis    string
		geographic bool
		central    float64
		scale      float64
		vn, miss   bool
	}{
		{"empty is WGS 84", "", "", true, 0, 1, false, false},
		{"EPSG:4326", "EPSG:4326", "", true, 0, 1, false, false},
		{"bare 4756", "4756", "EPSG:4756", true, 0, 1, true, false},
		{"URN 3405", "urn:ogc:def:crs:EPSG::3405", "EPSG:3405", false, 105, 0.9996, true, false},
		{"EPSG:3406", "epsg:3406", "EPSG:3406", false, 111, 0.9996, true, false},
		{"TM-3 9209", "EPSG:9209", "EPSG:9209", false, 105.5, 0.9999, true, false},
		{"TM-3 5899", "EPSG:5899", "EPSG:5899", false, 107.75, 0.9999, true, false},
		{"WGS 84 UTM 48N code", "EPSG:32648", "EPSG:32648", false, 105, 0.9996, false, false},
		{"ESRI prj with named VN-2000 datum", prjTM3Named, prjTM3Named, false, 105.5, 0.9999, true, false},
		{"ESRI prj TM-3 on WGS 84", prjTM3WGS, prjTM3WGS, false, 106.5, 0.9999, true, true},
		{"WKT1 with TOWGS84", wktTOWGS, wktTOWGS, false, 105.5, 0.9999, true, false},
		{"WGS 84 UTM 48N WKT", wktUTM48WGS, "EPSG:32648", false, 105, 0.9996, false, false},
		{"WKT2", wkt2, "EPSG:9209", false, 105.5, 0.9999, true, false},
		{"proj string with shift", projBrief, projBrief, false, 105.5, 0.9999, true, false},
		{"proj string without shift", "+proj=tmerc +lon_0=105.75 +k=0.9999 +x_0=500000 +ellps=WGS84 +units=m", "+proj=tmerc +lon_0=105.75 +k=0.9999 +x_0=500000 +ellps=WGS84 +units=m", false, 105.75, 0.9999, true, true},
		{"UTM 48 on WGS 84 datum", "+proj=utm +zone=48 +datum=WGS84 +units=m", "+proj=utm +zone=48 +datum=WGS84 +units=m", false, 105, 0.9996, false, false},
		{"UTM 48 on bare ellipsoid", "+proj=utm +zone=48 +ellps=WGS84", "+proj=utm +zone=48 +ellps=WGS84", false, 105, 0.9996, true, true},
		{"lon/lat WKT", `GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`, "x", true, 0, 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCRS(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if tc.postgis != "x" && c.PostGIS() != tc.postgis {
				t.Errorf("PostGIS() = %q, want %q", c.PostGIS(), tc.postgis)
			}
			if c.Geographic != tc.geographic || (tc.central != 0 && c.Central != tc.central) || c.Scale != tc.scale {
				t.Errorf("geographic %v central %v scale %v", c.Geographic, c.Central, c.Scale)
			}
			if c.VN2000Like() != tc.vn || c.MissingDatumShift() != tc.miss {
				t.Errorf("VN2000Like %v MissingDatumShift %v, want %v %v (%+v)", c.VN2000Like(), c.MissingDatumShift(), tc.vn, tc.miss, c)
			}
		})
	}
}

func TestParseCRSRefuses(t *testing.T) {
	for _, text := range []string{"hello", "PROJCS[\"x\",", "+lon_0=105"} {
		if _, err := ParseCRS(text); err == nil {
			t.Errorf("%q accepted", text)
		}
	}
}

func TestVN2000Reading(t *testing.T) {
	c, _ := ParseCRS(prjTM3WGS)
	got := c.VN2000Reading()
	want := "+proj=tmerc +lat_0=0 +lon_0=106.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=" + VN2000ToWGS84 + " +units=m +no_defs"
	if got != want {
		t.Errorf("reading\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(c.Describe(), "106°30′") {
		t.Errorf("describe %q", c.Describe())
	}
	if TM3EPSG(106.5) != 9213 || TM3EPSG(105.5) != 9209 || TM3EPSG(101) != 0 {
		t.Error("TM3EPSG table")
	}
}

func ExampleDMS() {
	fmt.Println(DMS(105.5), DMS(107.75), DMS(103))
	// Output: 105°30′ 107°45′ 103°
}
