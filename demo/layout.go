package demo

// The fixed layout of the demo ward, in plane metres (x east, y north of the origin). The
// seed and the day change the patrols and the incidents, never the map.

// boundaryPlan is the ward's outline, counter-clockwise, without the closing point: an
// irregular polygon of straight edges with two shallow bays (east and north).
var boundaryPlan = []vec{
	{0, 150}, {380, 0}, {900, 60}, {1350, -30}, {1800, 80}, {2250, 20}, {2480, 300},
	{2420, 760}, {2520, 1150}, {2300, 1600}, {1850, 1720}, {1400, 1650}, {1000, 1780},
	{560, 1700}, {180, 1480}, {60, 1000}, {-60, 560},
}

// groupSites are the seeds of the Voronoi partition into the 17 residential groups (tổ dân
// phố), numbered from 1 in this order: south row west to east, then northwards.
var groupSites = []vec{
	{300, 250}, {900, 230}, {1500, 230}, {2100, 230},
	{200, 650}, {700, 640}, {1200, 650}, {1750, 660}, {2250, 640},
	{250, 1100}, {750, 1080}, {1250, 1100}, {1750, 1110}, {2250, 1100},
	{700, 1500}, {1350, 1480}, {2000, 1520},
}

// roadNode is a junction, bend or end of the road network.
type roadNode struct {
	id   string
	x, y float64
}

var roadNodes = []roadNode{
	// Đường Cách Mạng Tháng Mười, the main road, west to east.
	{"A0", 60, 820}, {"A1", 450, 840}, {"A1b", 650, 855}, {"A2", 850, 870}, {"A3", 1250, 880},
	{"A4", 1650, 900}, {"A5", 2050, 930}, {"A6", 2420, 960},
	// Đường Thống Nhất, south.
	{"B0", 150, 380}, {"B1", 450, 400}, {"B2", 850, 420}, {"B3", 1250, 430}, {"B4", 1650, 440},
	{"B5", 2050, 450}, {"B6", 2400, 470},
	// Phố Lê Hồng Phong, north.
	{"C1", 450, 1280}, {"C1b", 650, 1290}, {"C2", 850, 1300}, {"C2b", 1050, 1305}, {"C3", 1250, 1310},
	{"C4", 1650, 1330}, {"C5", 2050, 1350}, {"C6", 2330, 1360},
	// Ends and bends of the cross streets and alleys.
	{"S1", 430, 80}, {"N1", 470, 1600},
	{"S3", 1250, 80}, {"M3", 1250, 650}, {"N3", 1260, 1640},
	{"M4", 1650, 670},
	{"S5", 2050, 90}, {"S5b", 2050, 200}, {"N5b", 2040, 1500}, {"N5", 2030, 1620},
	{"L1", 850, 200}, {"L2", 660, 1080}, {"L3", 1450, 660}, {"L4", 1060, 1560},
	{"L5a", 2180, 1440}, {"L5", 2290, 1470}, {"L6", 2230, 1560},
	{"L7", 1850, 680}, {"L8", 2230, 180}, {"L9", 670, 1520}, {"L10", 1680, 1560},
	{"T1", 450, 1060}, {"L11", 230, 1040}, {"T3", 1250, 250}, {"L12", 1050, 240},
	{"A5b", 2250, 945}, {"L13", 2260, 700}, {"T5", 2050, 690}, {"L14", 2390, 650},
	{"C3b", 1450, 1320}, {"L15", 1450, 1100},
}

// roadPlan is a named road through road nodes. Patrol is false for roads the night patrols
// never take; Spur is true for the dead end that leads only to the neglected key area.
type roadPlan struct {
	name   string
	nodes  []string
	patrol bool
	spur   bool
}

var roadPlans = []roadPlan{
	{name: "Đường Cách Mạng Tháng Mười", nodes: []string{"A0", "A1", "A1b", "A2", "A3", "A4", "A5", "A5b", "A6"}, patrol: true},
	{name: "Đường Thống Nhất", nodes: []string{"B0", "B1", "B2", "B3", "B4", "B5", "B6"}, patrol: true},
	{name: "Phố Lê Hồng Phong", nodes: []string{"C1", "C1b", "C2", "C2b", "C3", "C3b", "C4", "C5"}, patrol: true},
	{name: "Phố Lê Hồng Phong", nodes: []string{"C5", "C6"}},
	{name: "Đường Thắng Lợi", nodes: []string{"S1", "B1", "A1", "T1", "C1", "N1"}, patrol: true},
	{name: "Đường Chợ", nodes: []string{"B2", "A2", "C2"}, patrol: true},
	{name: "Đường Nguyễn Trãi", nodes: []string{"S3", "T3", "B3", "M3", "A3", "C3", "N3"}, patrol: true},
	{name: "Đường Cao Ngạn", nodes: []string{"B4", "M4", "A4", "C4"}, patrol: true},
	{name: "Đường Bách Quang", nodes: []string{"S5", "S5b", "B5", "T5", "A5", "C5"}, patrol: true},
	{name: "Đường Bách Quang", nodes: []string{"C5", "N5b", "N5"}},
	{name: "Ngõ 15 Thống Nhất", nodes: []string{"B2", "L1"}, patrol: true},
	{name: "Ngõ 32 Cách Mạng Tháng Mười", nodes: []string{"A1b", "L2"}, patrol: true},
	{name: "Ngõ 7 Nguyễn Trãi", nodes: []string{"M3", "L3"}, patrol: true},
	{name: "Ngõ 18 Lê Hồng Phong", nodes: []string{"C2b", "L4"}, patrol: true},
	{name: "Phố Đồng Tiến", nodes: []string{"M4", "L7", "T5"}, patrol: true},
	{name: "Ngõ 14 Thắng Lợi", nodes: []string{"T1", "L11"}, patrol: true},
	{name: "Ngõ 5 Nguyễn Trãi", nodes: []string{"T3", "L12"}, patrol: true},
	{name: "Ngõ 30 Cách Mạng Tháng Mười", nodes: []string{"A5b", "L13"}, patrol: true},
	{name: "Ngõ 45 Thống Nhất", nodes: []string{"B6", "L14"}, patrol: true},
	{name: "Ngõ 17 Lê Hồng Phong", nodes: []string{"C3b", "L15"}, patrol: true},
	{name: "Ngõ 11 Lê Hồng Phong", nodes: []string{"C1b", "L9"}},
	{name: "Ngõ 24 Lê Hồng Phong", nodes: []string{"C4", "L10"}},
	{name: "Ngõ 25 Bách Quang", nodes: []string{"C5", "L5a", "L5"}},
	{name: "Ngõ 40 Bách Quang", nodes: []string{"N5b", "L6"}},
	{name: "Ngõ 2 Bách Quang", nodes: []string{"S5b", "L8"}, spur: true},
}

// areaPlan is a key area: a polygon (rect, x0 y0 x1 y1) or a key road (the first road plan of
// that name).
type areaPlan struct {
	kind, name string
	rect       [4]float64
	road       string
	access     string // the road node from which the area is entered
	visits     int
	dwell      int
	neglected  bool
}

const (
	kindKeyArea  = "key_area"
	kindKeyRoad  = "key_road"
	kindGroup    = "residential_group"
	keyRoadBuffM = 25
)

var areaPlans = []areaPlan{
	{kind: kindKeyArea, name: "Chợ trung tâm phường Mẫu", rect: [4]float64{870, 885, 960, 960}, access: "A2", visits: 2, dwell: 10},
	{kind: kindKeyRoad, name: "Tuyến trọng điểm Đường Cách Mạng Tháng Mười", road: "Đường Cách Mạng Tháng Mười", visits: 2},
	{kind: kindKeyRoad, name: "Tuyến trọng điểm Đường Chợ", road: "Đường Chợ", visits: 1},
	{kind: kindKeyArea, name: "Công trường nhà văn hóa tổ 8", rect: [4]float64{1680, 470, 1780, 560}, access: "B4", visits: 1, dwell: 10},
	{kind: kindKeyArea, name: "Công trường khu dân cư Đồng Tiến", rect: [4]float64{2240, 130, 2340, 230}, access: "L8", visits: 1, dwell: 10, neglected: true},
	{kind: kindKeyArea, name: "Trường THCS phường Mẫu", rect: [4]float64{1280, 1335, 1400, 1430}, access: "C3", visits: 1},
	{kind: kindKeyArea, name: "Trụ sở Công an phường", rect: [4]float64{1270, 895, 1340, 950}, access: "A3", visits: 1},
	{kind: kindKeyArea, name: "Công viên Hồ Điều Hòa", rect: [4]float64{1480, 590, 1625, 760}, access: "M4", visits: 1, dwell: 10},
	{kind: kindKeyArea, name: "Khu nhà trọ công nhân Phố Cò", rect: [4]float64{170, 410, 300, 540}, access: "B0", visits: 1, dwell: 10},
}

// officeArea is the index in areaPlans of the ward office, where shifts start.
const officeArea = 6

// clusterPlan is where the emerging cluster of incidents forms: a café on an alley corner in
// the north-east, a part of the ward the night patrols never enter.
var clusterPlan = struct {
	name string
	at   vec
}{"quán cà phê Góc Phố, ngõ 25 Bách Quang", vec{2180, 1440}}

// officerPlans are the ward's five patrol officers.
var officerPlans = []Officer{
	{Username: "canbo1", FullName: "Nguyễn Văn Hùng", DeviceID: "demo-phone-1"},
	{Username: "canbo2", FullName: "Trần Minh Đức", DeviceID: "demo-phone-2"},
	{Username: "canbo3", FullName: "Lê Thị Hoa", DeviceID: "demo-phone-3"},
	{Username: "canbo4", FullName: "Phạm Quốc Tuấn", DeviceID: "demo-phone-4"},
	{Username: "canbo5", FullName: "Hoàng Văn Nam", DeviceID: "demo-phone-5"},
}

func (a areaPlan) rectPoly() []vec {
	r := a.rect
	return []vec{{r[0], r[1]}, {r[2], r[1]}, {r[2], r[3]}, {r[0], r[3]}}
}
