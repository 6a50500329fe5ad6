// DatasetGenerator.swift
//
// What it does: writes a complete, fictitious, deterministic 妇联妈妈 dataset (streets.csv,
// communities.csv, children.csv, mothers.csv, pairings.csv, visits.csv, and the bi-monthly
// cycle: reports.csv, exemplars.csv, attachments.csv with a few image files under
// attachments/) in the on-disk form
// of shared/spec/data.md, for examples, tests and benchmarks. Same `children` + `seed` give
// the same bytes on every machine: randomness comes only from the SplitMix64 generator below
// (no Foundation randomness, no clock, no libm); "today" for the data is fixed at 2019-11-30.
// Streets and quotas are the 附件1 table; communities are exactly the real 2019 names found in
// shared/data/longgang-communities-2019.md (streets with incomplete lists keep fewer
// communities). Distributions are the same at every size; the rare features (unknown tags,
// duplicate registrations, scope violations, a mother with two active pairings, pairings
// without any 家访, the 2019-09-29 / 2019-09-30 overdue boundary, a report missing, a
// report received on the 25th and one on the 26th) are guaranteed to appear at least once
// even in tiny datasets. Output is streamed through a byte buffer, so a
// 1,000,000-children dataset is written in seconds with modest memory.
//
// What it does not: it does not read, load or validate datasets (see DatasetLoader), it does
// not write journals, snapshots or settings, it does not decide eligibility (that is the job
// of the rule files; the tags only make every 三(一) clause 1–6 reachable), and no person,
// phone number or address in its output is real.
//
// CSV edge cases it deliberately produces: children.csv starts with a UTF-8 BOM and uses CRLF
// line ends (as Excel writes); every other file uses LF; visits.csv has its columns in the
// order pairing,id,date,note,kind; fields holding a comma, quote, CR or LF are quoted with
// quotes doubled; some null cells in mothers.csv are written as a quoted empty cell `""`;
// about 1/3 of children's births are written `YYYY-MM`.

import Foundation

public struct DatasetGenerator: Sendable {
    public var children: Int
    public var seed: UInt64
    /// Mothers per child in thousandths: 900 (0.9, the default) writes `children * 9 / 10`
    /// mothers, as every dataset generated before the option existed.
    public var mothersPerThousandChildren: Int

    public init(children: Int, seed: UInt64, mothersPerThousandChildren: Int = 900) {
        self.children = children
        self.seed = seed
        self.mothersPerThousandChildren = max(0, mothersPerThousandChildren)
    }

    /// The number of mothers written for `children` children at `perThousand` mothers per
    /// thousand children (rounded down).
    public static func motherCount(children: Int, perThousand: Int) -> Int {
        children.multipliedReportingOverflow(by: perThousand).overflow ? Int.max : children * perThousand / 1000
    }

    /// Writes streets.csv, communities.csv, children.csv, mothers.csv, pairings.csv, visits.csv into `directory` (created if missing).
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var run = Run(children: max(0, children), seed: seed, directory: directory,
                      mothers: Self.motherCount(children: max(0, children), perThousand: mothersPerThousandChildren))
        try run.streetsAndCommunities()
        try run.childrenFile()
        try run.mothersFile()
        try run.pairingsFile()
        try run.visitsFile()
        try run.cycleFiles()
    }
}

// MARK: - Building blocks (nested so that no name can clash with the rest of the module)

extension DatasetGenerator {

    /// SplitMix64: tiny, fast, and bit-for-bit the same everywhere.
    fileprivate struct RNG {
        var state: UInt64

        init(seed: UInt64, stream: UInt64) {
            state = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
            _ = next()
        }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in 0..<n (n > 0).
        mutating func below(_ n: Int) -> Int {
            Int(next().multipliedFullWidth(by: UInt64(n)).high)
        }

        /// Uniform in lo...hi.
        mutating func range(_ lo: Int, _ hi: Int) -> Int {
            hi <= lo ? lo : lo + below(hi - lo + 1)
        }

        /// Uniform in [0, 1).
        mutating func unit() -> Double {
            Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        }

        /// True with probability `permille`/1000.
        mutating func permille(_ p: Int) -> Bool { below(1000) < p }

        mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }

        /// Index chosen with the given integer weights.
        mutating func weighted(_ w: [Int]) -> Int {
            var total = 0
            for x in w { total += x }
            var r = below(total)
            for (i, x) in w.enumerated() {
                if r < x { return i }
                r -= x
            }
            return w.count - 1
        }

        /// Skewed towards lo: lo + (hi-lo) * u^2, rounded down to a multiple of `step`.
        mutating func skewLow(_ lo: Int, _ hi: Int, step: Int = 10) -> Int {
            let u = unit()
            let v = lo + Int(Double(hi - lo) * u * u)
            return v / step * step
        }

        mutating func shuffle<T>(_ a: inout [T]) {
            var i = a.count - 1
            while i > 0 {
                let j = below(i + 1)
                a.swapAt(i, j)
                i -= 1
            }
        }

        /// k distinct values in lo..<hi (fewer if the range is smaller).
        mutating func distinct(_ k: Int, in lo: Int, _ hi: Int) -> [Int] {
            let span = hi - lo
            if span <= 0 { return [] }
            if k >= span { return Array(lo..<hi) }
            var seen = Set<Int>()
            var out: [Int] = []
            while out.count < k {
                let v = lo + below(span)
                if seen.insert(v).inserted { out.append(v) }
            }
            return out
        }
    }

    /// Day numbers as Int, over the engine's calendar (`CivilDate`).
    fileprivate enum Day {
        static func of(_ y: Int, _ m: Int, _ d: Int) -> Int { Int(CivilDate.days(year: y, month: m, day: d)) }

        static func civil(_ z: Int) -> (y: Int, m: Int, d: Int) {
            let c = CivilDate.components(Int32(z))
            return (c.year, c.month, c.day)
        }

        static func daysIn(_ y: Int, _ m: Int) -> Int { CivilDate.daysInMonth(year: y, month: m) }

        static let today = of(2019, 11, 30)
        /// today − 2 calendar months: a last home visit earlier than this is overdue.
        static let overdueLine = of(2019, 9, 30)
    }

    /// Streams RFC 4180 rows into a byte buffer flushed to a FileHandle in 1 MiB chunks.
    fileprivate struct CSVOut {
        let handle: FileHandle
        var buf: [UInt8] = []
        var fieldStart = 0
        var rowHasField = false
        let crlf: Bool

        init(_ url: URL, bom: Bool = false, crlf: Bool = false) throws {
            guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            handle = try FileHandle(forWritingTo: url)
            self.crlf = crlf
            buf.reserveCapacity(1 << 21)
            if bom { buf.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        }

        mutating func begin() {
            if rowHasField { buf.append(0x2C) }
            rowHasField = true
            fieldStart = buf.count
        }

        /// Quotes the field just written if it holds a comma, quote, CR or LF.
        mutating func end() {
            let n = buf.count
            let start = fieldStart
            let needs = buf.withUnsafeBufferPointer { p -> Bool in
                var i = start
                while i < n {
                    let c = p[i]
                    if c <= 0x2C && (c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D) { return true }
                    i += 1
                }
                return false
            }
            if !needs { return }
            let field = Array(buf[fieldStart..<n])
            buf.removeSubrange(fieldStart..<n)
            buf.append(0x22)
            for c in field {
                if c == 0x22 { buf.append(0x22) }
                buf.append(c)
            }
            buf.append(0x22)
        }

        mutating func put(_ s: String) { buf.append(contentsOf: s.utf8) }
        mutating func put(_ b: [UInt8]) { buf.append(contentsOf: b) }

        mutating func text(_ s: String) { begin(); put(s); end() }
        mutating func bytes(_ b: [UInt8]) { begin(); put(b); end() }
        mutating func null() { begin() }
        /// A null written as a quoted empty cell, as some tools do.
        mutating func quotedNull() { begin(); buf.append(0x22); buf.append(0x22) }

        mutating func putInt(_ v: Int) {
            if v < 0 { buf.append(0x2D); putInt(-v); return }
            if v < 10 { buf.append(UInt8(48 + v)); return }
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // room for 24 digits, filled from the end
            var x = v
            var count = 0
            withUnsafeMutableBytes(of: &digits) { d in
                while x > 0 { count += 1; d[24 - count] = UInt8(48 + x % 10); x /= 10 }
                buf.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - count)...]))
            }
        }

        mutating func int(_ v: Int) { begin(); putInt(v) }
        mutating func int(_ v: Int?) { begin(); if let v { putInt(v) } }

        mutating func put2(_ v: Int) {
            buf.append(UInt8(48 + v / 10))
            buf.append(UInt8(48 + v % 10))
        }

        mutating func date(_ day: Int) {
            begin()
            let (y, m, d) = Day.civil(day)
            putInt(y); buf.append(0x2D); put2(m); buf.append(0x2D); put2(d)
        }

        mutating func date(_ day: Int?) { if let day { date(day) } else { null() } }

        mutating func month(_ y: Int, _ m: Int) {
            begin()
            putInt(y); buf.append(0x2D); put2(m)
        }

        mutating func row(_ fields: [String]) throws {
            for f in fields { text(f) }
            try endRow()
        }

        mutating func endRow() throws {
            if crlf { buf.append(0x0D) }
            buf.append(0x0A)
            rowHasField = false
            if buf.count >= 1 << 20 { try flush() }
        }

        mutating func flush() throws {
            if buf.isEmpty { return }
            try handle.write(contentsOf: buf)
            buf.removeAll(keepingCapacity: true)
        }

        mutating func close() throws {
            try flush()
            try handle.close()
        }
    }
}

// MARK: - Reference tables

extension DatasetGenerator {
    fileprivate struct StreetInfo: Sendable {
        let name: String
        let quota: Int
        let liaison: String
        let communities: [String]
        let roads: [String]
    }

    fileprivate enum T {
        static let streets: [StreetInfo] = [
            StreetInfo(name: "坂田", quota: 15, liaison: "陈晓玲",
                       communities: ["岗头", "象角塘", "新雪", "万科城", "大发埔", "坂田", "杨美", "四季花城", "五和", "马安堂", "第五园", "南坑"],
                       roads: ["坂雪岗大道", "五和大道", "雅园路", "岗头路", "冲之大道"]),
            StreetInfo(name: "吉华", quota: 10, liaison: "黄丽萍",
                       communities: ["三联", "甘坑", "中海怡翠", "丽湖", "翠湖", "水径", "光华"],
                       roads: ["吉华路", "甘李路", "水径路", "中环路"]),
            StreetInfo(name: "布吉", quota: 20, liaison: "刘婷",
                       communities: ["布吉", "布吉圩", "长龙", "大芬", "德兴", "东方半岛", "凤凰", "国展", "金排", "可园", "龙岭", "龙珠", "罗岗", "茂业", "木棉湾", "南三", "文景"],
                       roads: ["吉华路", "布龙路", "龙岭路", "罗岗路", "布沙路"]),
            StreetInfo(name: "平湖", quota: 15, liaison: "张慧敏",
                       communities: ["白坭坑", "鹅公岭", "平湖", "新南", "力昌", "禾花", "山厦", "辅城坳", "良安田", "新木", "上木古", "凤凰"],
                       roads: ["平湖大街", "守珍街", "富民路", "新南路", "平安大道"]),
            StreetInfo(name: "南湾", quota: 17, liaison: "李静",
                       communities: ["上李朗", "康乐", "宝岭", "下李朗", "丹竹头", "丹平", "南岭", "南龙", "樟树布", "沙湾", "厦村", "吉厦", "沙塘布", "南新"],
                       roads: ["南湾路", "丹竹头路", "沙湾路", "李朗大道", "樟树布路"]),
            StreetInfo(name: "横岗", quota: 12, liaison: "曾秀兰",
                       communities: ["四联", "华乐", "六约", "横岗", "松柏", "华侨新村", "红棉", "志盛"],
                       roads: ["深惠路", "松柏路", "六约路", "华乐路", "红棉路"]),
            StreetInfo(name: "园山", quota: 9, liaison: "叶春燕",
                       communities: ["保安", "荷坳", "银荷", "大康", "安良"],
                       roads: ["园山路", "保安路", "荷坳路", "大康路"]),
            StreetInfo(name: "宝龙", quota: 10, liaison: "罗佳",
                       communities: ["龙新", "龙东", "同乐", "宝龙", "南约"],
                       roads: ["宝龙大道", "龙新路", "同乐路", "南约路"]),
            StreetInfo(name: "龙城", quota: 14, liaison: "",
                       communities: ["新联", "爱联", "中心城", "盛平", "黄阁坑", "回龙埔"],
                       roads: ["龙翔大道", "黄阁路", "回龙路", "爱联路", "盛平路"]),
            StreetInfo(name: "龙岗", quota: 10, liaison: "钟雪梅",
                       communities: ["五联", "龙西", "新生", "龙岗", "南联", "平南", "龙岗墟"],
                       roads: ["龙岗大道", "南联路", "龙西路", "新生路", "龙岗墟路"]),
            StreetInfo(name: "坪地", quota: 12, liaison: "",
                       communities: ["西坑", "坪西", "中心", "四方埔", "坪东", "六联", "年丰"],
                       roads: ["坪地大道", "年丰路", "教育北路", "坪西路"]),
        ]

        static let surnames: [String] = [
            "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
            "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "邓", "冯", "曹", "彭", "曾",
            "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "卢",
            "姚", "沈", "钟", "姜", "谭", "陆", "范", "廖", "石", "韦", "夏", "方", "邹", "熊", "邱", "侯",
            "江", "赖", "温", "巫", "龚", "万", "严", "洪", "莫", "覃", "欧阳", "司马",
            // Hakka surnames common in Longgang, weighted by repetition
            "曾", "黄", "张", "陈", "李", "刘", "钟", "叶", "罗", "邱", "温", "赖", "廖", "黄", "陈", "李",
        ]

        static let boyNames: [String] = [
            "子轩", "浩然", "宇轩", "梓豪", "俊杰", "家乐", "嘉豪", "文博", "思远", "一鸣", "天佑", "明轩",
            "志强", "伟杰", "宇航", "泽宇", "皓轩", "俊熙", "梓睿", "晨阳", "博文", "子豪", "家豪", "俊宇",
            "锦程", "浩宇", "子健", "振宇", "嘉俊", "润泽", "磊", "鑫", "杰", "浩", "晨", "阳", "涛", "斌", "凯", "睿",
        ]

        static let girlNames: [String] = [
            "欣怡", "梓涵", "诗涵", "雨桐", "子涵", "思琪", "佳怡", "可欣", "嘉欣", "雨欣", "紫涵", "晓彤",
            "梦琪", "诗琪", "芷若", "一诺", "静怡", "欣妍", "佳琪", "心怡", "语嫣", "思彤", "雅婷", "慧敏",
            "婉婷", "晓琳", "雨萱", "梓萱", "嘉怡", "淑婷", "婷", "琳", "悦", "萱", "颖", "洁",
        ]

        static let womenNames: [String] = [
            "丽", "芳", "娟", "敏", "静", "霞", "燕", "红", "梅", "琳", "洁", "萍", "玲", "华", "英", "慧",
            "秀英", "桂英", "玉兰", "海燕", "晓红", "丽华", "秀兰", "美玲", "春梅", "雪梅", "小红", "丽娟",
            "晓燕", "淑芬", "雅琴", "凤英", "月娥", "翠华", "丽萍", "婉君", "艳", "莉", "颖", "倩", "晓敏",
            "秋菊", "少芬", "惠珍", "美华", "秀琴", "文静", "晓丽", "碧霞", "冬梅", "海英", "彩云", "佩玲",
        ]

        static let menNames: [String] = [
            "伟", "强", "军", "勇", "杰", "涛", "明", "超", "斌", "华", "建国", "志明", "国强", "海涛",
            "建华", "文斌", "永强", "国华", "志刚", "小平", "伟明", "振华", "德明", "水生", "亚军", "国平",
            "庆", "锋", "东升", "卫东", "金华", "远航", "俊", "辉",
        ]

        static let grandmaNames: [String] = ["桂芳", "秀珍", "亚妹", "四妹", "金娣", "观娣", "月娇", "带娣", "玉珍", "春兰", "石妹"]
        static let grandpaNames: [String] = ["德胜", "火生", "石福", "木生", "寿南", "添福", "亚福", "汉清", "炳坤", "进财"]

        static let phonePrefixes: [String] = [
            "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
            "156", "158", "159", "176", "177", "180", "181", "186", "187", "188", "189", "191", "199",
        ]

        static let brandWords: [String] = [
            "鹏达", "华安", "金利", "宏远", "嘉信", "祥和", "瑞丰", "恒昌", "锦华", "盛世", "永兴", "德润",
            "佳美", "新亚", "博雅", "安泰", "富康", "汇鑫", "信诚", "龙腾", "凯越", "和美", "远景", "星辰",
        ]
        static let industries: [String] = [
            "科技", "电子", "实业", "贸易", "物流", "建材", "服装", "餐饮管理", "教育咨询", "家政服务",
            "医疗器械", "印刷", "精密模具", "物业管理", "电子商务",
        ]

        static let roleNames = ["主席", "副主席", "兼职副主席", "巾帼文明岗负责人", "三八红旗手", "爱心女企业家", "巾帼志愿者", "热心妇女"]

        static let channelText: [String] = ["", "QQ", "微信", "QQ;微信", "电话", "QQ;电话", "微信;电话", "QQ;微信;电话"]
        // channel masks (QQ=1, 微信=2, 电话=4) and weights
        static let channelMasks = [2, 6, 3, 4, 7, 1, 5]
        static let channelWeights = [35, 35, 8, 8, 8, 3, 3]

        static let approvedReviews = [
            "情况属实，同意结对", "经入户核实，情况属实，同意上报", "家庭困难情况属实，同意结对帮扶",
            "经社区走访核实，同意", "符合结对对象标准，同意", "情况属实，同意",
        ]
        static let rejectedIncome = ["家庭收入超出标准，不予通过", "经核实家庭已有稳定收入，不予通过"]
        static let rejectedCriteria = "不符合结对对象标准，不予通过"
        static let rejectedOther = ["材料不全，请补充后重新报送", "经核实情况与申报不符，不予通过", "已纳入其他帮扶项目，不予重复结对"]
    }
}

// MARK: - Text fragments for reasons and notes

extension DatasetGenerator {
    fileprivate enum Guardian { case mother, father, grandma, grandpa, uncle, any }

    fileprivate struct Frag {
        let text: String
        let guardian: Guardian
        init(_ text: String, _ guardian: Guardian = .any) { self.text = text; self.guardian = guardian }
    }

    fileprivate enum R {
        static let dibao = [Frag("家庭为低保户，靠低保金维持生活"), Frag("属民政部门认定的城市低保家庭"), Frag("全家靠低保维持基本生活")]
        static let orphan = [Frag("父母双亡，由爷爷奶奶抚养", .grandpa), Frag("父母均已去世，现由舅舅监护", .uncle),
                             Frag("父亲病故，母亲改嫁后失去联系，由奶奶抚养", .grandma)]
        static let martyr = [Frag("父亲在抢险救灾中牺牲，被评为烈士", .mother), Frag("父亲因公牺牲，经批准为烈士", .mother)]
        static let youfu = [Frag("爷爷为伤残退役军人，家庭为优抚对象", .father), Frag("父亲为退役残疾军人，家庭享受优抚", .mother)]
        static let noIncome = [Frag("家中无直接经济来源"), Frag("家庭没有直接经济来源")]
        static let single = [Frag("父母离异，随母亲生活", .mother), Frag("父亲因病去世", .mother),
                             Frag("母亲离家出走多年，由父亲独自抚养", .father), Frag("父亲因病去世，母亲独自抚养两个孩子", .mother)]
        static let parentIll = [Frag("父亲患尿毒症，需定期透析", .mother), Frag("母亲患乳腺癌，正在化疗", .father),
                                Frag("父亲患严重心脏病，丧失劳动能力", .mother), Frag("母亲患精神疾病，长期服药", .father)]
        static let parentDisabled = [Frag("父亲肢体残疾（二级）", .mother), Frag("母亲为视力残疾", .father),
                                     Frag("父亲因工伤致残，无法工作", .mother)]
        static let lackLabour = [Frag("家中缺乏劳动力")]
        static let noFixedIncome = [Frag("母亲无固定工作，靠打零工维持生活"), Frag("父亲打散工，收入不稳定"), Frag("家中无固定收入")]
        static let noHelp = [Frag("亲友无力资助"), Frag("亲戚均在老家务农，无力资助")]
        static let disaster = [Frag("2018年台风\"山竹\"致租住房屋严重受损，财物损失较大"), Frag("2019年4月强降雨致家中被淹，家具电器损毁"),
                               Frag("老家房屋在洪灾中倒塌，需出资重建")]
        static let emergency = [Frag("父亲2019年初遭遇交通事故去世", .mother), Frag("家中发生火灾，财物全部烧毁"),
                                Frag("父亲在工地意外受伤，长期卧床", .mother), Frag("母亲突发脑溢血，住院抢救", .father)]
        static let illness = [Frag("孩子患急性淋巴细胞白血病"), Frag("孩子患尿毒症，每周透析三次"), Frag("孩子确诊骨肉瘤（癌症）"),
                              Frag("孩子患先天性心脏病，需手术"), Frag("孩子患再生障碍性贫血")]
        static let accident = [Frag("孩子意外烧伤，需多次植皮手术"), Frag("孩子遭遇车祸，腿部骨折后遗症"), Frag("孩子溺水后脑损伤，需康复训练")]
        static let longTreatment = [Frag("需长期治疗，医疗费用高"), Frag("后续治疗费用较大，家庭无力承担"), Frag("需长期康复治疗")]
        static let recovered = [Frag("目前已基本康复"), Frag("手术顺利，已出院")]
        static let other = [Frag("父亲服刑，母亲下落不明，由奶奶抚养", .grandma), Frag("家中多子女，弟弟患病需照顾，生活困难"),
                            Frag("外地户籍，无法享受本地救助，生活困难"), Frag("父母均患病，靠借债度日")]
        static let nothing = [Frag("母亲无固定工作，收入不稳定"), Frag("家庭人口多，生活较紧张"), Frag("父母务工，收入一般"),
                              Frag("租房居住，房租负担较重")]
        static let unknownTags = ["留守儿童", "单亲家庭", "低保边缘", "外来务工", "残疾儿童"]
        static let unknownText = ["父母在外务工，孩子由老人照看", "单亲家庭，生活困难", "家庭收入略高于低保标准",
                                  "父母在外来务工，收入低", "孩子为肢体残疾"]
    }

    /// Visit and pairing notes, pre-encoded as UTF-8.
    fileprivate enum N {
        static func b(_ a: [String]) -> [[UInt8]] { a.map { Array($0.utf8) } }

        static let firstHome = b(["首次家访，了解家庭基本情况和孩子需求", "结对后第一次上门，熟悉孩子和家人", "首次家访，送去书包和文具"])
        static let homeGeneral = b([
            "了解孩子近期学习情况，作业完成较好", "与监护人交流孩子在家表现，孩子懂事，能帮忙做家务",
            "孩子性格比较内向，鼓励多和同学交流", "陪孩子读课外书，讲解阅读方法", "检查孩子作业，辅导数学应用题",
            "了解家庭近况，母亲已找到临时工作", "孩子身体状况稳定，按时复查", "孩子对画画很感兴趣，鼓励坚持",
            "与班主任沟通后上门反馈，孩子上课注意力有提高", "看望孩子和奶奶，帮忙打扫卫生",
            "孩子最近情绪低落，耐心开导", "了解孩子在校交友情况，总体良好",
        ])
        static let homeByMonth: [Int: [[UInt8]]] = [
            6: b(["送去粽子和水果，了解近况", "了解期末复习准备情况"]),
            7: b(["了解期末考试成绩，语文有进步", "暑假安排：报名参加社区夏令营"]),
            8: b(["暑假期间看望，检查暑假作业", "带孩子参观龙岗区图书馆"]),
            9: b(["了解开学后学习情况", "了解新学期适应情况", "送去新学期文具"]),
            10: b(["国庆节后看望，了解假期生活", "了解孩子月考情况，英语需加强"]),
            11: b(["了解孩子期中考试情况，数学有进步", "期中考试英语成绩下滑，约定每周线上辅导"]),
        ]
        static let actions = b([
            "送去学习用品", "送去米、油等生活用品", "送去书包和文具", "送去课外书两本", "赠送运动鞋一双",
            "协助申请临时救助", "联系社区帮助解决孩子入学问题", "约定下次家访时间",
        ])
        static let online = b([
            "微信视频聊天，了解孩子学习情况", "QQ 上辅导作业", "微信聊天，孩子分享了学校运动会的照片",
            "微信了解孩子近况，情绪稳定", "视频通话，孩子展示了新画的画", "线上答疑，讲解英语语法",
            "微信发送学习资料", "QQ 聊天，鼓励孩子坚持锻炼",
        ])
        static let phone = b([
            "电话询问孩子身体情况", "电话联系监护人，了解近况", "电话提醒按时复查", "电话了解近期学习情况",
            "电话沟通，孩子最近学习积极", "电话问候，家中一切正常",
        ])
        /// Notes that need RFC 4180 quoting (commas, quotes, line breaks), by kind.
        static let trickyFirst = b(["首次家访：\n1. 了解家庭基本情况；\n2. 送去书包、文具"])
        static let trickyHome = b([
            "上次考试：语文85分, 数学92分, 英语78分",
            "孩子说\"长大想当医生\"，鼓励好好学习",
            "参加社区\"四点半课堂\"，作业有人辅导",
            "孩子近况：\r\n情绪稳定，成绩中等",
            "母亲说：\"孩子最近很听话, 成绩也提高了\"\n下次带些课外书",
        ])
        static let trickyOnline = b(["微信聊天, 孩子说\"这次考试进步了\"", "QQ 留言：\n作业已完成，明天交给老师"])
        static let trickyPhone = b(["电话联系：\n奶奶说孩子感冒已好", "电话沟通, 监护人说\"家里一切都好\""])
        static let sep = Array("；".utf8)

        static let pairingNotes = ["已建立微信联系", "每月资助学习用品", "孩子与妈妈同在一个小区", "妈妈为小学教师，主要辅导学习",
                                   "孩子喜欢画画，妈妈送了画具", "监护人希望多关注孩子学习, 已约定每周联系"]
        static let endNotes = ["儿童随家人迁出龙岗区，结对终止", "妈妈工作调动，无法继续结对", "家庭经济状况好转，经审核退出",
                               "妈妈身体原因，申请终止结对"]
        static let repairNote = "原结对终止，重新结对"
    }
}

// MARK: - The run

extension DatasetGenerator {
    fileprivate enum Profile: Int {
        case c1, c2full, c2inc, c3full, c3inc, c4, c5high, c5low, c5noLT, c6, multi, none
    }

    fileprivate struct Core {
        var name: String
        var gender: String
        var by: Int, bm: Int, bd: Int
        var monthOnly: Bool
        var guardian: String
        var phone: String
        var tags: [String]
        var reason: String
        var size: Int
        var income: Int?
        var medical: Int?
    }

    fileprivate struct PairingRec {
        var mother: Int32
        var child: Int32
        var since: Int32
        var until: Int32   // -1: active
        var channels: UInt8
        var note: Int16    // -1 none, >=0 pairingNotes, 100+ endNotes, 200 repair
    }

    fileprivate struct Run {
        let n: Int
        /// How many mothers mothers.csv has.
        let motherTotal: Int
        let seed: UInt64
        let dir: URL

        // communities, globally indexed
        var commStreet: [Int] = []
        var commName: [String] = []
        var streetComms: [[Int]] = []

        // children (index = id - 1)
        var childStreet: [UInt8] = []
        var childComm: [UInt16] = []
        var childStatus: [UInt8] = []   // 0 已审核, 1 待审核, 2 不通过
        var childReg: [Int32] = []

        // mothers (index = id - 1)
        var motherLevel: [UInt8] = []   // 0 区, 1 街道, 2 社区
        var motherStreet: [UInt8] = []
        var motherComm: [UInt16] = []

        var pairings: [PairingRec] = []
        /// Home visits with a photo: (visit id, date), drawn while visits.csv is written.
        var photographedVisits: [(id: Int, day: Int)] = []

        init(children: Int, seed: UInt64, directory: URL, mothers: Int) {
            n = children
            motherTotal = mothers
            self.seed = seed
            dir = directory
            for (s, st) in T.streets.enumerated() {
                var list: [Int] = []
                for c in st.communities {
                    list.append(commName.count)
                    commName.append(c)
                    commStreet.append(s)
                }
                streetComms.append(list)
            }
        }

        func rng(_ stream: UInt64) -> RNG { RNG(seed: seed, stream: stream) }

        func url(_ name: String) -> URL { dir.appendingPathComponent(name) }

        static func phone(_ r: inout RNG) -> String {
            var s = r.pick(T.phonePrefixes)
            for _ in 0..<8 { s.append(Character(Unicode.Scalar(UInt8(48 + r.below(10))))) }
            return s
        }

        /// Largest-remainder split of `total` proportional to the 附件1 quotas.
        static func split(_ total: Int) -> [Int] {
            let q = T.streets.map(\.quota)
            let sum = q.reduce(0, +)
            var counts = q.map { total * $0 / sum }
            let rem = q.map { total * $0 % sum }
            var left = total - counts.reduce(0, +)
            let order = rem.indices.sorted { rem[$0] != rem[$1] ? rem[$0] > rem[$1] : $0 < $1 }
            var k = 0
            while left > 0 { counts[order[k % order.count]] += 1; left -= 1; k += 1 }
            return counts
        }

        // MARK: streets, communities

        mutating func streetsAndCommunities() throws {
            var r = rng(1)
            var out = try CSVOut(url("streets.csv"))
            try out.row(["name", "quota", "liaison", "liaison_phone"])
            for st in T.streets {
                out.text(st.name)
                out.int(st.quota)
                let ph = Self.phone(&r)
                if st.liaison.isEmpty { out.null(); out.null() } else { out.text(st.liaison); out.text(ph) }
                try out.endRow()
            }
            try out.close()

            var c = try CSVOut(url("communities.csv"))
            try c.row(["name", "street"])
            for i in commName.indices {
                c.text(commName[i])
                c.text(T.streets[commStreet[i]].name)
                try c.endRow()
            }
            try c.close()
        }

        // MARK: children

        static func childName(_ r: inout RNG, surname: String, gender: String) -> String {
            let boy = gender == "男" || (gender.isEmpty && r.below(2) == 0)
            return surname + r.pick(boy ? T.boyNames : T.girlNames)
        }

        /// Tags, reason and the guardian hint for a profile.
        static func story(_ p: Profile, _ r: inout RNG) -> (tags: [String], frags: [Frag]) {
            var tags: [String] = []
            var frags: [Frag] = []
            func add(_ tag: String, _ pool: [Frag]) {
                tags.append(tag)
                frags.append(r.pick(pool))
            }
            func hardship() {
                switch r.weighted([50, 30, 20]) {
                case 0: add("单亲", R.single)
                case 1: add("父母重病", R.parentIll)
                default: add("父母残疾", R.parentDisabled)
                }
                if tags.last == "单亲" && r.permille(100) { add("父母重病", R.parentIll) }   // the remaining parent is ill
            }
            func c3rest(missing: Int) {
                if missing != 0 { add("缺乏劳动力", R.lackLabour) }
                if missing != 1 { add("无固定收入", R.noFixedIncome) }
                if missing != 2 { add("亲友无力资助", R.noHelp) }
            }
            func c2(_ full: Bool) {
                switch r.weighted([50, 15, 35]) {
                case 0: add("孤儿", R.orphan)
                case 1: add("烈士家庭", R.martyr)
                default: add("优抚家庭", R.youfu)
                }
                if full { add("无直接经济来源", R.noIncome) } else if r.permille(400) { add("无固定收入", R.noFixedIncome) }
            }
            func c5(_ longTerm: Bool) {
                if r.permille(750) { add("重大疾病", R.illness) } else { add("意外事故", R.accident) }
                if longTerm { add("长期治疗", R.longTreatment) } else { frags.append(r.pick(R.recovered)) }
            }
            switch p {
            case .c1:
                add("低保", R.dibao)
                if r.permille(300) { add("无固定收入", R.noFixedIncome) } else if r.permille(150) { add("单亲", R.single) }
            case .c2full: c2(true)
            case .c2inc: c2(false)
            case .c3full: hardship(); c3rest(missing: -1)
            case .c3inc: hardship(); c3rest(missing: r.below(3))
            case .c4:
                if r.permille(400) { add("自然灾害", R.disaster) } else { add("突发事件", R.emergency) }
                if r.permille(300) { add("无固定收入", R.noFixedIncome) }
            case .c5high, .c5low: c5(true)
            case .c5noLT: c5(false)
            case .c6:
                add("其他特殊困难", R.other)
                if r.permille(300) { add("无固定收入", R.noFixedIncome) }
            case .multi:
                switch r.below(6) {
                case 0: add("低保", R.dibao); add("单亲", R.single); c3rest(missing: -1)
                case 1: add("低保", R.dibao); c5(true)
                case 2: add("孤儿", R.orphan); add("无直接经济来源", R.noIncome); add("低保", R.dibao)
                case 3: add("父母重病", R.parentIll); c3rest(missing: -1); add("突发事件", R.emergency)
                case 4: add("低保", R.dibao); add("其他特殊困难", R.other)
                default: add("单亲", R.single); c3rest(missing: -1); c5(true)
                }
            case .none:
                switch r.weighted([35, 35, 15, 5, 10]) {
                case 0: frags.append(r.pick(R.nothing))
                case 1: add("无固定收入", R.noFixedIncome)
                case 2: add("单亲", R.single)
                case 3: add("缺乏劳动力", R.lackLabour)
                default: add("无固定收入", R.noFixedIncome); add("亲友无力资助", R.noHelp)
                }
            }
            return (tags, frags)
        }

        static let profileWeights: [[Int]] = [
            // c1  c2f c2i c3f c3i  c4 c5h c5l c5n  c6 mul none
            [200, 80, 5, 255, 5, 70, 140, 20, 5, 80, 130, 10],      // 已审核
            [150, 60, 10, 220, 30, 60, 110, 40, 10, 80, 130, 100],  // 待审核
            [60, 0, 40, 0, 100, 40, 0, 150, 20, 100, 0, 400],       // 不通过
        ]

        mutating func childrenFile() throws {
            var r = rng(2)
            // street of each child, exact proportions, random order
            let counts = Self.split(n)
            var streetOf: [UInt8] = []
            streetOf.reserveCapacity(n)
            for (s, c) in counts.enumerated() { streetOf.append(contentsOf: repeatElement(UInt8(s), count: c)) }
            r.shuffle(&streetOf)
            // status per street: ~79% 已审核, ~13% 待审核, ~8% 不通过, exact within each street; the
            // street with the most children approves one more, so that in small datasets (where
            // children ≈ 1.25 × quota) one street is slightly over its 附件1 quota.
            var statusLists: [[UInt8]] = []
            let busiest = counts.indices.max { counts[$0] < counts[$1] } ?? 0
            for (s, c) in counts.enumerated() {
                let rej = (c * 8 + 50) / 100
                var pend = (c * 13 + 50) / 100
                if s == busiest && pend > 0 { pend -= 1 }
                var l = [UInt8](repeating: 0, count: c - rej - pend)
                l += [UInt8](repeating: 1, count: pend)
                l += [UInt8](repeating: 2, count: rej)
                r.shuffle(&l)
                statusLists.append(l)
            }
            var cursor = [Int](repeating: 0, count: counts.count)

            // rare features chosen up front so that they exist at every size
            let unknownTagged = Set(r.distinct(max(1, n / 200), in: 0, n))
            // the incomplete combinations and rarer clauses exist even in tiny datasets
            var forced: [Int: Profile] = [:]
            for (k, i) in r.distinct(6, in: 0, n).enumerated() {
                forced[i] = [Profile.c2inc, .c3inc, .c3inc, .c5noLT, .c6, .c6][k]
            }
            var dupOf: [Int: Int] = [:]
            var dupKind: [Int: Int] = [:]   // 0: same name + birth month, 1: also same guardian phone
            var sources = Set<Int>()
            if n >= 20 {
                for i in r.distinct(max(2, n / 200), in: n / 10, n) {
                    let j = r.below(i)
                    if dupOf[j] == nil && dupOf[i] == nil && !sources.contains(i) {
                        dupOf[i] = j
                        dupKind[i] = dupKind.count % 2
                        sources.insert(j)
                    }
                }
            }
            var stored: [Int: Core] = [:]

            childStreet = streetOf
            childComm = [UInt16](repeating: 0, count: n)
            childStatus = [UInt8](repeating: 0, count: n)
            childReg = [Int32](repeating: 0, count: n)

            var out = try CSVOut(url("children.csv"), bom: true, crlf: true)
            try out.row(["id", "name", "gender", "birth", "street", "community", "guardian", "guardian_phone", "address",
                         "tags", "reason", "household_size", "household_income", "medical_cost", "status", "review", "registered"])
            let regStart = Day.of(2019, 4, 20)
            let regLate = Day.of(2019, 5, 16)
            for i in 0..<n {
                let s = Int(streetOf[i])
                let st = T.streets[s]
                let status = Int(statusLists[s][cursor[s]])
                cursor[s] += 1
                var comm = st.communities.isEmpty ? 0 : streetComms[s][r.below(streetComms[s].count)]

                let drawn = Profile(rawValue: r.weighted(Self.profileWeights[status]))!
                let profile = forced[i] ?? drawn
                var (tags, frags) = Self.story(profile, &r)
                if unknownTagged.contains(i) {
                    let k = r.below(R.unknownTags.count)
                    tags.append(R.unknownTags[k])
                    frags.append(Frag(R.unknownText[k]))
                }

                // people
                let gender = r.permille(12) ? "" : (r.below(2) == 0 ? "男" : "女")
                let family = r.pick(T.surnames)
                var guardianKind = Guardian.any
                for f in frags where f.guardian != .any { guardianKind = f.guardian; break }
                if guardianKind == .any {
                    guardianKind = [Guardian.mother, .father, .grandma, .grandpa][r.weighted([45, 40, 10, 5])]
                }
                let guardian: String
                switch guardianKind {
                case .father: guardian = family + r.pick(T.menNames)
                case .grandpa: guardian = family + r.pick(T.grandpaNames)
                case .uncle: guardian = r.pick(T.surnames) + r.pick(T.menNames)
                case .grandma: guardian = r.pick(T.surnames) + r.pick(T.grandmaNames)
                default: guardian = r.pick(T.surnames) + r.pick(T.womenNames)
                }
                let by = r.range(2002, 2016), bm = r.range(1, 12)
                let bd = r.range(1, Day.daysIn(by, bm))

                // household
                let hasSingle = tags.contains("单亲")
                let size = hasSingle || tags.contains("孤儿") ? r.range(2, 4) : 2 + r.weighted([5, 30, 30, 18, 10, 7])
                var income: Int?
                switch profile {
                case .c1: income = r.permille(100) ? 0 : r.skewLow(0, 900 * size)
                case .c2full: income = r.permille(500) ? 0 : r.skewLow(0, 1200)
                case .c2inc: income = r.skewLow(2000, 6000, step: 100)
                case .c3full: income = r.skewLow(0, 3000)
                case .c3inc: income = r.skewLow(1500, 6000, step: 100)
                case .c4, .c5noLT: income = r.skewLow(1000, 5000, step: 100)
                case .c5high: income = r.skewLow(500, 4000, step: 100)
                case .c5low: income = r.range(70, 90) * 100
                case .c6: income = r.skewLow(500, 4000, step: 100)
                case .multi: income = r.skewLow(0, 2500)
                case .none: income = r.skewLow(2500, 9000, step: 100)
                }
                if r.permille(30) { income = nil }
                var medical: Int? = 0
                let ill = tags.contains("重大疾病") || tags.contains("意外事故")
                if ill {
                    switch profile {
                    case .c5low: medical = r.range(20, 30) * 1000
                    case .c5noLT: medical = r.range(20, 40) * 1000
                    default:
                        // beyond what the family can bear: at least 1.5 × the yearly household income
                        let least = (income ?? 0) * 18 / 1000 * 1000 + 1000
                        medical = min(400_000, max(r.skewLow(20_000, 400_000, step: 1000), least))
                    }
                    if r.permille(80) { medical = nil }
                } else if r.permille(20) {
                    medical = nil
                }

                // reason text; a few clerks type ASCII commas
                let joiner = r.permille(80) ? "," : "，"
                var reason = frags.map(\.text).joined(separator: joiner)
                if !reason.isEmpty { reason += "。" }

                var childName = Self.childName(&r, surname: family, gender: gender)
                while childName == guardian { childName = Self.childName(&r, surname: family, gender: gender) }
                var core = Core(name: childName, gender: gender,
                                by: by, bm: bm, bd: bd, monthOnly: r.below(3) == 0, guardian: guardian,
                                phone: Self.phone(&r), tags: tags, reason: reason, size: size, income: income, medical: medical)

                // duplicate registrations
                if let j = dupOf[i], let src = stored[j] {
                    let base = core
                    core = src
                    core.monthOnly = !src.monthOnly
                    if dupKind[i] == 0 {
                        // same child registered again: same name and birth month, other guardian phone
                        core.phone = base.phone
                        core.bd = base.bd
                    }
                    // otherwise the same guardian and phone as well
                    if Int(streetOf[j]) == s {
                        // same street: the family moved to another community
                        let others = streetComms[s].filter { $0 != Int(childComm[j]) }
                        if !others.isEmpty { comm = r.pick(others) }
                    }
                }
                if sources.contains(i) { stored[i] = core }

                var reg = regStart + r.below(26)
                if r.permille(20) { reg = regLate + r.below(9) }
                childComm[i] = UInt16(comm)
                childStatus[i] = UInt8(status)
                childReg[i] = Int32(reg)

                // review
                var review = ""
                if status == 0 {
                    review = r.pick(T.approvedReviews)
                } else if status == 2 {
                    if dupOf[i] != nil {
                        review = "重复登记，不予通过"
                    } else if let inc = core.income, inc >= 4500 {
                        review = r.pick(T.rejectedIncome)
                    } else if [.none, .c2inc, .c3inc, .c5noLT].contains(profile) && r.below(4) != 0 {
                        review = T.rejectedCriteria
                    } else {
                        review = r.pick(T.rejectedOther)
                    }
                }

                // write the row
                out.int(i + 1)
                out.text(core.name)
                out.text(core.gender)
                if core.monthOnly { out.month(core.by, core.bm) } else { out.date(Day.of(core.by, core.bm, core.bd)) }
                out.text(st.name)
                out.text(commName[comm])
                out.text(core.guardian)
                out.text(core.phone)
                out.text(address(&r, street: s, comm: comm))
                out.text(core.tags.joined(separator: ";"))
                out.text(core.reason)
                out.int(core.size)
                out.int(core.income)
                out.int(core.medical)
                out.text(["已审核", "待审核", "不通过"][status])
                out.text(review)
                out.date(reg)
                try out.endRow()
            }
            try out.close()
        }

        func address(_ r: inout RNG, street s: Int, comm: Int) -> String {
            let st = T.streets[s]
            let head = "龙岗区" + st.name + "街道" + commName[comm] + "社区"
            let village = commName[comm].count == 2
            switch r.weighted([55, village ? 35 : 0, 10]) {
            case 0:
                return head + r.pick(st.roads) + String(r.range(1, 399)) + "号" + String(r.range(1, 12)) + "栋"
                    + String(r.range(1, 18)) + "0" + String(r.range(1, 8))
            case 1:
                return head + commName[comm] + "新村" + String(r.range(1, 30)) + "巷" + String(r.range(1, 40)) + "号"
                    + String(r.range(1, 7)) + "楼"
            default:
                return head + r.pick(st.roads) + String(r.range(1, 399)) + "号"
            }
        }

        // MARK: mothers

        mutating func mothersFile() throws {
            var r = rng(3)
            let m = motherTotal
            motherLevel = [UInt8](repeating: 0, count: m)
            motherStreet = [UInt8](repeating: 0, count: m)
            motherComm = [UInt16](repeating: 0, count: m)
            let quotaWeights = T.streets.map(\.quota)
            var districtChair = false
            var streetChair = [Bool](repeating: false, count: T.streets.count)
            var commChair = [Bool](repeating: false, count: commName.count)

            var out = try CSVOut(url("mothers.csv"))
            try out.row(["id", "name", "org", "title", "phone", "level", "street", "community", "roles"])
            for i in 0..<m {
                let level = r.weighted([5, 25, 70])
                let s = r.weighted(quotaWeights)
                let comm = streetComms[s][r.below(streetComms[s].count)]
                motherLevel[i] = UInt8(level)
                motherStreet[i] = UInt8(s)
                motherComm[i] = UInt16(comm)

                // roles: chairs mostly at their own level, other roles mixed
                var role: Int
                var firstChair = false
                switch level {
                case 0:
                    if !districtChair { role = 0; districtChair = true; firstChair = true } else { role = [1, 2, 4, 5, 6, 7][r.weighted([8, 30, 15, 22, 15, 10])] }
                case 1:
                    if !streetChair[s] { role = 0; streetChair[s] = true; firstChair = true } else { role = r.weighted([2, 12, 20, 15, 8, 15, 16, 12]) }
                default:
                    if !commChair[comm] && r.below(2) == 0 { role = 0; commChair[comm] = true; firstChair = true } else { role = 1 + r.weighted([12, 5, 6, 4, 6, 34, 30]) }
                }
                var roles = [T.roleNames[role]]
                if r.permille(120) {
                    let extra = [3, 4, 5, 6, 7][r.below(5)]
                    if extra != role { roles.append(T.roleNames[extra]) }
                }

                let stName = T.streets[s].name
                let cName = commName[comm]
                let fed = level == 0 ? "龙岗区妇联" : level == 1 ? stName + "街道妇联" : cName + "社区妇联"
                let company = "深圳市" + r.pick(T.brandWords) + r.pick(T.industries) + "有限公司"
                let org: String
                let title: String
                switch role {
                case 0:
                    // a community chair registered through her street keeps her community federation
                    org = firstChair || level != 1 ? fed : cName + "社区妇联"
                    title = "主席"
                case 1: org = fed; title = "副主席"
                case 2:
                    switch r.below(3) {
                    case 0: org = company; title = r.pick(["总经理", "董事长", "副总经理"])
                    case 1: org = "龙岗区" + cName + "小学"; title = r.pick(["校长", "副校长"])
                    default: org = r.pick(["龙岗区人民医院", "龙岗区妇幼保健院", "龙岗中心医院"]); title = r.pick(["副院长", "主任医师"])
                    }
                case 3:
                    switch r.below(4) {
                    case 0: org = "龙岗区人民医院儿科"; title = "护士长"
                    case 1: org = stName + "街道社区健康服务中心"; title = "主任"
                    case 2: org = stName + "街道党群服务中心"; title = "负责人"
                    default: org = "龙岗区图书馆少儿部"; title = "负责人"
                    }
                case 4:
                    switch r.below(3) {
                    case 0: org = "龙岗区" + cName + "小学"; title = "教师"
                    case 1: org = r.pick(["龙岗区人民医院", "龙岗区妇幼保健院"]); title = r.pick(["医生", "护士长"])
                    default: org = company; title = r.pick(["工程师", "部门经理"])
                    }
                case 5: org = company; title = r.pick(["董事长", "总经理"])
                case 6:
                    if r.below(2) == 0 { org = cName + "社区巾帼志愿服务队"; title = r.pick(["志愿者", "队长"]) } else { org = company; title = "职员" }
                default:
                    switch r.below(4) {
                    case 0: org = company; title = r.pick(["职员", "会计", "行政主管"])
                    case 1: org = "龙岗区" + cName + "小学"; title = r.pick(["教师", "退休教师"])
                    case 2: org = cName + "社区"; title = "居民"
                    default: org = "个体"; title = "个体经营者"
                    }
                }

                out.int(i + 1)
                out.text(r.pick(T.surnames) + r.pick(T.womenNames))
                out.text(org)
                out.text(title)
                out.text(Self.phone(&r))
                out.text(["区", "街道", "社区"][level])
                switch level {
                case 0:
                    if r.below(3) == 0 { out.quotedNull(); out.quotedNull() } else { out.null(); out.null() }
                case 1: out.text(stName); out.null()
                default: out.text(stName); out.text(cName)
                }
                out.text(roles.joined(separator: ";"))
                try out.endRow()
            }
            try out.close()
        }

        // MARK: pairings

        mutating func pairingsFile() throws {
            var r = rng(4)
            let m = motherLevel.count
            var districtPool: [Int32] = []
            var streetPool = [[Int32]](repeating: [], count: T.streets.count)
            var commPool = [[Int32]](repeating: [], count: commName.count)
            for i in 0..<m {
                switch motherLevel[i] {
                case 0: districtPool.append(Int32(i))
                case 1: streetPool[Int(motherStreet[i])].append(Int32(i))
                default: commPool[Int(motherComm[i])].append(Int32(i))
                }
            }
            func take(_ pool: inout [Int32], _ r: inout RNG) -> Int32? {
                if pool.isEmpty { return nil }
                let k = r.below(pool.count)
                pool.swapAt(k, pool.count - 1)
                return pool.removeLast()
            }
            /// A free mother whose scope covers child c (preferring the level drawn by weight).
            func mother(for c: Int, _ r: inout RNG) -> Int32? {
                let first = r.weighted([7, 28, 65])
                let s = Int(childStreet[c]), cm = Int(childComm[c])
                for k in 0..<3 {
                    let level = [first, 2, 1, 0][k == 0 ? 0 : k]
                    switch level {
                    case 0: if let x = take(&districtPool, &r) { return x }
                    case 1: if let x = take(&streetPool[s], &r) { return x }
                    default: if let x = take(&commPool[cm], &r) { return x }
                    }
                }
                return take(&districtPool, &r)
            }
            func channels(_ r: inout RNG) -> UInt8 { UInt8(T.channelMasks[r.weighted(T.channelWeights)]) }

            let ceremony = Day.of(2019, 5, 25)
            let june = Day.of(2019, 6, 1)
            let july = Day.of(2019, 7, 1)
            let endLimit = Day.of(2019, 11, 20)

            var approved: [Int] = []
            for c in 0..<n where childStatus[c] == 0 { approved.append(c) }
            r.shuffle(&approved)
            var unpaired: [Int] = []
            var recs: [PairingRec] = []
            var ended = 0
            for c in approved {
                guard r.permille(850), let mo = mother(for: c, &r) else { unpaired.append(c); continue }
                var since: Int
                if Int(childReg[c]) > Day.of(2019, 5, 15) || r.permille(80) {
                    since = june + r.skewLow(0, 121, step: 1)   // late: June–September
                } else {
                    since = ceremony + r.below(7)
                }
                since = max(since, Int(childReg[c]) + 1)
                let note: Int16 = r.permille(150) ? Int16(r.below(N.pairingNotes.count)) : -1
                var p = PairingRec(mother: mo, child: Int32(c), since: Int32(since), until: -1, channels: channels(&r), note: note)
                if r.permille(60) {
                    let lo = max(july, since + 30)
                    if lo <= endLimit {
                        let until = r.range(lo, endLimit)
                        p.until = Int32(until)
                        p.note = Int16(100 + r.below(N.endNotes.count))
                        recs.append(p)
                        // about half of these children are paired again with another mother
                        ended += 1
                        if ended % 2 == 1, until + 7 <= Day.of(2019, 11, 25), let mo2 = mother(for: c, &r) {
                            let s2 = r.range(until + 7, min(until + 45, Day.of(2019, 11, 25)))
                            recs.append(PairingRec(mother: mo2, child: Int32(c), since: Int32(s2), until: -1,
                                                   channels: channels(&r), note: 200))
                        }
                        continue
                    }
                }
                recs.append(p)
            }

            // deliberate violations for rule checks (at least one of each)
            let k = max(1, n / 1000)
            r.shuffle(&unpaired)
            var u = 0
            func violation(_ c: Int, _ mo: Int32, _ r: inout RNG) {
                recs.append(PairingRec(mother: mo, child: Int32(c), since: Int32(max(ceremony + r.below(7), Int(childReg[c]) + 1)),
                                       until: -1, channels: channels(&r), note: -1))
            }
            // (a) a 社区-level mother paired with a child of another community of the same street
            for _ in 0..<k where u < unpaired.count {
                let c = unpaired[u]
                let s = Int(childStreet[c])
                let others = streetComms[s].filter { $0 != Int(childComm[c]) && !commPool[$0].isEmpty }
                guard let cm = others.isEmpty ? nil : r.pick(others), let mo = take(&commPool[cm], &r) else { continue }
                u += 1
                violation(c, mo, &r)
            }
            // (b) a 街道-level mother paired with a child of another street
            for _ in 0..<k where u < unpaired.count {
                let c = unpaired[u]
                let s = Int(childStreet[c])
                let others = (0..<T.streets.count).filter { $0 != s && !streetPool[$0].isEmpty }
                guard !others.isEmpty, let mo = take(&streetPool[r.pick(others)], &r) else { continue }
                u += 1
                violation(c, mo, &r)
            }
            // (c) a mother (区 level: any child is in scope) with two active pairings
            let activeDistrict = recs.filter { $0.until < 0 && motherLevel[Int($0.mother)] == 0 }.map(\.mother)
            for x in 0..<k where u < unpaired.count && !activeDistrict.isEmpty {
                violation(unpaired[u], activeDistrict[x % activeDistrict.count], &r)
                u += 1
            }

            // ids in register order: by since, then child
            recs.sort { $0.since != $1.since ? $0.since < $1.since : ($0.child != $1.child ? $0.child < $1.child : $0.mother < $1.mother) }
            pairings = recs

            var out = try CSVOut(url("pairings.csv"))
            try out.row(["id", "mother", "child", "since", "until", "channels", "note"])
            for (i, p) in recs.enumerated() {
                out.int(i + 1)
                out.int(Int(p.mother) + 1)
                out.int(Int(p.child) + 1)
                out.date(Int(p.since))
                out.date(p.until < 0 ? nil : Int(p.until))
                out.text(T.channelText[Int(p.channels)])
                switch p.note {
                case 0..<100: out.text(N.pairingNotes[Int(p.note)])
                case 100..<200: out.text(N.endNotes[Int(p.note) - 100])
                case 200: out.text(N.repairNote)
                default: out.null()
                }
                try out.endRow()
            }
            try out.close()
        }

        // MARK: visits

        mutating func visitsFile() throws {
            var r = rng(5)
            let today = Day.today
            // choose the plans of active pairings up front (exact shares)
            var active: [Int] = []
            for (i, p) in pairings.enumerated() where p.until < 0 { active.append(i) }
            r.shuffle(&active)
            // plan: 0 normal, 1 lax (home visits stop before 2019-09-30), 2 no 家访 at all,
            // 3 last 家访 exactly 2019-09-30 (in time), 4 last 家访 exactly 2019-09-29 (overdue)
            var plan = [UInt8](repeating: 0, count: pairings.count)
            let noHome = max(2, active.count * 15 / 1000)
            let edges = max(1, active.count / 1000)
            var laxLeft = active.count * 120 / 1000
            var x = 0
            for i in active {
                let since = Int(pairings[i].since)
                if x < noHome { plan[i] = 2 }
                else if x < noHome + edges, since < Day.of(2019, 8, 1) { plan[i] = 3 }
                else if x < noHome + 2 * edges, since < Day.of(2019, 8, 1) { plan[i] = 4 }
                else if laxLeft > 0, since < Day.of(2019, 8, 20) { plan[i] = 1; laxLeft -= 1 }
                x += 1
            }

            var out = try CSVOut(url("visits.csv"))
            var photos = rng(7)
            try out.row(["pairing", "id", "date", "note", "kind"])
            var vid = 0
            var events: [(day: Int, kind: UInt8)] = []   // kind: 0 家访, 1 线上, 2 电话
            let kindText: [[UInt8]] = [Array("家访".utf8), Array("线上".utf8), Array("电话".utf8)]
            for (pi, p) in pairings.enumerated() {
                events.removeAll(keepingCapacity: true)
                let since = Int(p.since)
                let end = p.until < 0 ? today : min(Int(p.until), today)
                let planKind = plan[pi]
                let online = p.channels & 3 != 0
                let phoneOK = p.channels & 4 != 0
                func contactKind(_ r: inout RNG) -> UInt8 {
                    if online && phoneOK { return r.below(3) == 0 ? 2 : 1 }
                    return online ? 1 : (phoneOK ? 2 : UInt8(1 + r.below(2)))
                }

                // home visits
                var homes: [Int] = []
                if planKind != 2 {
                    var stop = end
                    switch planKind {
                    case 1: stop = min(end, r.range(Day.of(2019, 7, 15), Day.of(2019, 9, 25)))
                    case 3: stop = Day.of(2019, 9, 30)
                    case 4: stop = Day.of(2019, 9, 29)
                    default: break
                    }
                    var d = since + r.range(7, 35)
                    while d <= stop {
                        homes.append(d)
                        var gap = r.range(35, 56)
                        if planKind == 0, r.permille(120), d + 80 <= Day.of(2019, 9, 15) { gap = r.range(63, 80) }  // caught up later
                        d += gap
                    }
                    if planKind == 3 || planKind == 4 {
                        while let l = homes.last, l >= stop { homes.removeLast() }
                        homes.append(stop)
                    }
                    if planKind == 1, homes.isEmpty, since + 7 <= stop { homes.append(r.range(since + 7, stop)) }
                    if planKind == 0, p.until < 0, (homes.last ?? since) < Day.overdueLine + 1, since < Day.overdueLine {
                        let lo = max((homes.last ?? since) + 20, Day.overdueLine + 1)
                        homes.append(r.range(min(lo, today - 2), today - 2))
                    }
                }
                for h in homes { events.append((h, 0)) }

                // online and phone contacts between the home visits
                var anchors = [since] + homes + [end]
                if planKind == 2 && r.below(3) == 0 { anchors = [] }   // some never visited at all
                var a = 0
                while a + 1 < anchors.count {
                    let lo = anchors[a] + 1, hi = anchors[a + 1] - 1
                    if hi > lo {
                        let tailLax = a + 2 == anchors.count && (planKind == 1 || planKind == 2 || planKind == 4)
                        if tailLax {
                            var d = lo + r.range(5, 30)
                            while d <= hi { events.append((d, contactKind(&r))); d += r.range(12, 40) }
                        } else {
                            for _ in 0..<r.weighted([30, 50, 20]) { events.append((r.range(lo, hi), contactKind(&r))) }
                        }
                    }
                    a += 1
                }
                events.sort { $0.day != $1.day ? $0.day < $1.day : $0.kind < $1.kind }

                var firstHome = true
                for e in events {
                    vid += 1
                    // A photo of some home visits, from a stream of its own (visits.csv stays as it was).
                    if e.kind == 0, photos.permille(T.photoPermille) { photographedVisits.append((vid, e.day)) }
                    out.int(pi + 1)
                    out.int(vid)
                    out.date(e.day)
                    out.begin()
                    if r.permille(30) {
                        switch e.kind {
                        case 0: out.put(r.pick(firstHome ? N.trickyFirst : N.trickyHome)); firstHome = false
                        case 1: out.put(r.pick(N.trickyOnline))
                        default: out.put(r.pick(N.trickyPhone))
                        }
                    } else if e.kind == 0 {
                        if firstHome {
                            out.put(r.pick(N.firstHome))
                        } else if let seasonal = N.homeByMonth[Day.civil(e.day).m], r.below(2) == 0 {
                            out.put(r.pick(seasonal))
                        } else {
                            out.put(r.pick(N.homeGeneral))
                        }
                        if r.permille(450) { out.put(N.sep); out.put(r.pick(N.actions)) }
                        firstHome = false
                    } else if !r.permille(60) {
                        out.put(r.pick(e.kind == 1 ? N.online : N.phone))
                    }
                    out.end()
                    out.bytes(kindText[Int(e.kind)])
                    try out.endRow()
                }
            }
            try out.close()
        }
    }
}

// MARK: - The bi-monthly cycle (cycle.md §1): reports, exemplars, attachments

extension DatasetGenerator.Run {
    /// reports.csv (each street, each period due by the data's today; some late, a few
    /// missing), exemplars.csv (a few pairings of the street per report, now and then one
    /// that is not a pairing), attachments.csv (台账 scans of reports, photos of some home
    /// visits) and the image files they name: a fixed handful of small PNGs, so the files
    /// cost the same at any size and `mql check` hashes each once.
    mutating func cycleFiles() throws {
        typealias Day = DatasetGenerator.Day
        typealias T = DatasetGenerator.T
        var r = rng(6)
        let streets = T.streets.count
        var periods: [(year: Int, month: Int, due: Int)] = []
        var (y, m) = (2019, 6)
        while Day.of(y, m, 25) <= Day.today {
            periods.append((y, m, Day.of(y, m, 25)))
            (y, m) = m == 12 ? (y + 1, 2) : (y, m + 2)
        }
        // The guaranteed cases: a street missing the second period, one received on the
        // 25th (on time) and one on the 26th (late) in the first.
        let missingStreet = r.below(streets), onTheDay = r.below(streets)
        let dayLate = (onTheDay + 1 + r.below(streets - 1)) % streets
        var reports: [(id: Int, street: Int, period: Int)] = []
        var out = try DatasetGenerator.CSVOut(url("reports.csv"))
        try out.row(["id", "street", "period", "submitted", "results", "experience", "problems"])
        for (pi, p) in periods.enumerated() {
            for s in 0..<streets {
                if pi == 1 && s == missingStreet { continue }
                if !(pi == 0 && (s == onTheDay || s == dayLate)) && r.permille(T.missingPermille) { continue }
                let submitted: Int
                if pi == 0 && s == onTheDay { submitted = p.due }
                else if pi == 0 && s == dayLate { submitted = p.due + 1 }
                else if r.permille(T.latePermille) { submitted = min(Day.today, p.due + r.range(1, 20)) }
                else { submitted = p.due - r.range(0, 12) }
                reports.append((reports.count + 1, s, pi))
                out.int(reports.count)
                out.text(T.streets[s].name)
                out.month(p.year, p.month)
                out.date(submitted)
                out.text(r.pick(T.reportResults))
                out.text(r.pick(T.reportExperience))
                if r.permille(700) { out.text(r.pick(T.reportProblems)) } else { out.null() }
                try out.endRow()
            }
        }
        try out.close()

        // Exemplars: pairings of the street that began by the period's due date.
        var streetPairings = [[Int]](repeating: [], count: streets)
        for (i, p) in pairings.enumerated() { streetPairings[Int(childStreet[Int(p.child)])].append(i) }
        var exemplars = try DatasetGenerator.CSVOut(url("exemplars.csv"))
        try exemplars.row(["id", "report", "pairing", "note"])
        var eid = 0
        for report in reports {
            let due = periods[report.period].due
            let candidates = streetPairings[report.street].filter { Int(pairings[$0].since) <= due }
            let count = candidates.isEmpty ? 0 : max(1, candidates.count / T.pairingsPerExemplar)
            var chosen = Set<Int>()
            for _ in 0..<count { chosen.insert(candidates[r.below(candidates.count)]) }
            for pairing in chosen.sorted() {
                eid += 1
                exemplars.int(eid); exemplars.int(report.id); exemplars.int(pairing + 1); exemplars.text(r.pick(T.exemplarNotes))
                try exemplars.endRow()
            }
            if r.permille(150) {
                eid += 1
                exemplars.int(eid); exemplars.int(report.id); exemplars.null(); exemplars.text(r.pick(T.teamExemplarNotes))
                try exemplars.endRow()
            }
        }
        try exemplars.close()

        // The image files, then their rows.
        var photoFiles: [Attachments.Stored] = []
        var ledgerFiles: [Attachments.Stored] = []
        for k in 0..<T.photoImages { photoFiles.append(try Attachments.store(DatasetGenerator.Image.photo(k), original: "photo.png", in: dir.path)) }
        for k in 0..<T.ledgerImages { ledgerFiles.append(try Attachments.store(DatasetGenerator.Image.ledgerPage(k), original: "ledger.png", in: dir.path)) }
        var attachments = try DatasetGenerator.CSVOut(url("attachments.csv"))
        try attachments.row(["id", "file", "sha256", "report", "visit", "taken", "note"])
        var aid = 0
        for report in reports {
            for page in 0..<r.range(1, 2) {
                let f = ledgerFiles[r.below(ledgerFiles.count)]
                aid += 1
                attachments.int(aid); attachments.text(f.file); attachments.text(f.sha256); attachments.int(report.id); attachments.null(); attachments.null()
                attachments.text(T.ledgerNotes[page % T.ledgerNotes.count])
                try attachments.endRow()
            }
        }
        for visit in photographedVisits {
            let f = photoFiles[r.below(photoFiles.count)]
            aid += 1
            attachments.int(aid); attachments.text(f.file); attachments.text(f.sha256); attachments.null(); attachments.int(visit.id); attachments.date(visit.day)
            attachments.text(r.pick(T.photoNotes))
            try attachments.endRow()
        }
        try attachments.close()
    }
}

extension DatasetGenerator.T {
    /// TUNING: the shares of the cycle's data, per mille.
    static let missingPermille = 40
    static let latePermille = 180
    static let photoPermille = 15
    /// One exemplar per this many of a street's pairings in a report (at least one).
    static let pairingsPerExemplar = 150
    static let photoImages = 8
    static let ledgerImages = 4

    static let reportResults = [
        "完成结对工作，妈妈与孩子建立了固定联系", "暑期组织结对家庭参加社区夏令营", "开学前为结对儿童送去文具和书包",
        "结对妈妈坚持每月家访，了解孩子学习生活情况", "协助困难家庭申请临时救助", "组织结对妈妈与班主任沟通孩子在校表现",
    ]
    static let reportExperience = [
        "社区妇联主席带头结对，发挥示范作用", "家访前先与社区核实家庭近况", "利用微信群分享家访记录，妈妈之间互相学习",
        "把家访与社区活动结合，孩子更愿意交流", "结对妈妈与监护人约定固定联系时间",
    ]
    static let reportProblems = [
        "个别结对妈妈工作繁忙，家访间隔偏长", "部分家庭外出务工，暑期难以联系", "个别孩子性格内向，沟通需要更多耐心",
        "结对妈妈更换单位后需重新安排结对",
    ]
    static let exemplarNotes = [
        "坚持每月家访，孩子成绩明显进步", "发现孩子喜爱画画，联系社区老师免费辅导", "协助家庭申请临时救助，解决燃眉之急",
        "暑假每周陪孩子读书，孩子阅读兴趣提高", "与班主任保持联系，孩子作业完成情况好转",
    ]
    static let teamExemplarNotes = ["社区妈妈团队轮流到困难家庭辅导功课", "街道妇联组织结对家庭亲子活动，反响良好"]
    static let ledgerNotes = ["台账：结对名单及家访记录（扫描件）", "台账：家访登记表（扫描件）"]
    static let photoNotes = ["家访照片", "家访时与孩子合影", "送去学习用品", "陪孩子做功课"]
}

extension DatasetGenerator {
    /// Small PNG images (32×24, RGB, stored without compression so no zlib is needed):
    /// distinct bytes for each index, the same on every machine.
    enum Image {
        static let width = 32, height = 24

        /// A house under a sky, colours by index.
        static func photo(_ k: Int) -> [UInt8] {
            let sky = (UInt8(120 + k * 15 % 100), UInt8(170 + k * 7 % 60), UInt8(230 - k * 9 % 50))
            let wall = (UInt8(200 + k * 5 % 50), UInt8(190 + k * 11 % 60), UInt8(160 + k * 13 % 90))
            return png { x, y in
                if (x - 26) * (x - 26) + (y - 5) * (y - 5) < 10 { return (250, 210, 60) }
                if (8..<20).contains(x) && (11..<19).contains(y) { return (11..<15).contains(x) && y >= 14 ? (120, 70, 40) : wall }
                if (6..<22).contains(x) && y >= 6 + abs(x - 14) / 2 && y < 11 { return (170, 40, 40) }
                if y >= 19 { return (UInt8(80 + k * 10), 150, 70) }
                return sky
            }
        }

        /// A ruled page with a red seal.
        static func ledgerPage(_ k: Int) -> [UInt8] {
            png { x, y in
                if x < 2 || x >= width - 2 || y < 1 || y >= height - 1 { return (200, 200, 200) }
                if y % 4 == 0 && x >= 4 && x < width - 4 { return (UInt8(60 + k * 40), 100, UInt8(200 - k * 30)) }
                if (x - 24) * (x - 24) + (y - 18) * (y - 18) < 9 { return (210, 30, 30) }
                return (250, 250, 245)
            }
        }

        static func png(_ pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> [UInt8] {
            var raw: [UInt8] = []
            for y in 0..<height {
                raw.append(0)
                for x in 0..<width {
                    let (r, g, b) = pixel(x, y)
                    raw += [r, g, b]
                }
            }
            // A zlib stream of stored deflate blocks (at most 65535 bytes each), then Adler-32.
            var zlib: [UInt8] = [0x78, 0x01]
            var offset = 0
            repeat {
                let n = min(65535, raw.count - offset)
                zlib.append(offset + n == raw.count ? 1 : 0)
                zlib += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
                zlib += raw[offset..<(offset + n)]
                offset += n
            } while offset < raw.count
            var a: UInt32 = 1, b: UInt32 = 0
            for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
            zlib += bigEndian(b << 16 | a)
            func chunk(_ kind: String, _ data: [UInt8]) -> [UInt8] {
                let body = Array(kind.utf8) + data
                return bigEndian(UInt32(data.count)) + body + bigEndian(CRC32.checksum(body))
            }
            let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
        }

        static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    }
}
