// The shape of a dataset: which collections exist, their stored fields and types, keys and
// references. The schema is data, not code, so the loader, the checker and the output
// formats all read the same description (data.md). It knows nothing of MQL expressions.

/// The type of a stored column.
public enum FieldType: Equatable, Sendable, CustomStringConvertible {
    case int
    case date
    case text
    case textSet
    /// A reference to a row of the named collection.
    case reference(String)

    public var description: String {
        switch self {
        case .int: return "int"
        case .date: return "date"
        case .text: return "text"
        case .textSet: return "set of text"
        case .reference(let target): return "ref \(target)"
        }
    }
}

public struct FieldSchema: Sendable, Equatable {
    public let name: String
    public let type: FieldType
    /// Personal data masked on output unless `--unmask`.
    public let masking: Masking
    /// `YYYY-MM` accepted for this date column.
    public let acceptsMonth: Bool
    /// For a community reference: the column of the same row holding its street.
    public let scopedBy: String?
    public let required: Bool

    public enum Masking: Sendable, Equatable { case none, phone, address }

    public init(_ name: String, _ type: FieldType, masking: Masking = .none, acceptsMonth: Bool = false,
                scopedBy: String? = nil, required: Bool = false) {
        self.name = name
        self.type = type
        self.masking = masking
        self.acceptsMonth = acceptsMonth
        self.scopedBy = scopedBy
        self.required = required
    }
}

public struct CollectionSchema: Sendable {
    public let name: String
    /// The singular used in navigation (`child`, `mother`): a reference column is named so.
    public let fields: [FieldSchema]
    /// Key fields: `id` for most; `name` for streets; `street`+`name` for communities.
    public let key: [String]

    public init(name: String, fields: [FieldSchema], key: [String]) {
        self.name = name
        self.fields = fields
        self.key = key
    }

    public func field(named name: String) -> FieldSchema? {
        fields.first { $0.name == name }
    }

    public func fieldIndex(_ name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }
}

public enum ProgrammeSchema {
    /// The largest id a row may have (ids are 1 ... this). References by id are read as
    /// `Int32` (`FastLoader`'s `.byID` cells, with `Int32.min` as null), so a larger id
    /// could be stored but never referred to; and people never need two billion rows.
    public static let maximumID = Int(Int32.max)

    /// The schema of a collection by name.
    public static func collection(named name: String) -> CollectionSchema? {
        collections.first { $0.name == name }
    }

    /// Collections in load order: every reference points to an earlier collection.
    public static let collections: [CollectionSchema] = [
        CollectionSchema(name: "streets", fields: [
            FieldSchema("name", .text, required: true),
            FieldSchema("quota", .int),
            FieldSchema("liaison", .text),
            FieldSchema("liaison_phone", .text, masking: .phone),
        ], key: ["name"]),
        CollectionSchema(name: "communities", fields: [
            FieldSchema("name", .text, required: true),
            FieldSchema("street", .reference("streets"), required: true),
        ], key: ["street", "name"]),
        CollectionSchema(name: "children", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("name", .text),
            FieldSchema("gender", .text),
            FieldSchema("birth", .date, acceptsMonth: true),
            FieldSchema("street", .reference("streets")),
            FieldSchema("community", .reference("communities"), scopedBy: "street"),
            FieldSchema("guardian", .text),
            FieldSchema("guardian_phone", .text, masking: .phone),
            FieldSchema("address", .text, masking: .address),
            FieldSchema("tags", .textSet),
            FieldSchema("reason", .text),
            FieldSchema("household_size", .int),
            FieldSchema("household_income", .int),
            FieldSchema("medical_cost", .int),
            FieldSchema("status", .text),
            FieldSchema("review", .text),
            FieldSchema("registered", .date, acceptsMonth: true),
        ], key: ["id"]),
        CollectionSchema(name: "mothers", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("name", .text),
            FieldSchema("org", .text),
            FieldSchema("title", .text),
            FieldSchema("phone", .text, masking: .phone),
            FieldSchema("level", .text),
            FieldSchema("street", .reference("streets")),
            FieldSchema("community", .reference("communities"), scopedBy: "street"),
            FieldSchema("roles", .textSet),
        ], key: ["id"]),
        CollectionSchema(name: "pairings", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("mother", .reference("mothers")),
            FieldSchema("child", .reference("children")),
            FieldSchema("since", .date),
            FieldSchema("until", .date),
            FieldSchema("channels", .textSet),
            FieldSchema("note", .text),
        ], key: ["id"]),
        CollectionSchema(name: "visits", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("pairing", .reference("pairings")),
            FieldSchema("date", .date),
            FieldSchema("kind", .text),
            FieldSchema("note", .text),
        ], key: ["id"]),
        // The bi-monthly report of 四(四) (cycle.md §1): one row per street and period.
        CollectionSchema(name: "reports", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("street", .reference("streets")),
            FieldSchema("period", .text),
            FieldSchema("submitted", .date),
            FieldSchema("results", .text),
            FieldSchema("experience", .text),
            FieldSchema("problems", .text),
        ], key: ["id"]),
        // 先进典型 named in a report.
        CollectionSchema(name: "exemplars", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("report", .reference("reports")),
            FieldSchema("pairing", .reference("pairings")),
            FieldSchema("note", .text),
        ], key: ["id"]),
        // Photos and scanned 台账 pages: the rows; the files live under DIR/attachments/ and
        // are read only by `attach` and `check`, never by a load.
        CollectionSchema(name: "attachments", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("file", .text),
            FieldSchema("sha256", .text),
            FieldSchema("report", .reference("reports")),
            FieldSchema("visit", .reference("visits")),
            FieldSchema("taken", .date),
            FieldSchema("note", .text),
        ], key: ["id"]),
        // The audit trail (四(三) 严禁弄虚作假): one row per row changed, written by changes
        // and kept across checkpoints in changes.csv.
        CollectionSchema(name: "changes", fields: [
            FieldSchema("id", .int, required: true),
            FieldSchema("at", .date),
            FieldSchema("time", .text),
            FieldSchema("user", .text),
            FieldSchema("op", .text),
            FieldSchema("collection", .text),
            FieldSchema("key", .text),
            FieldSchema("statement", .text),
        ], key: ["id"]),
    ]
}

/// The Chinese names of collections and fields (data.md, "Chinese names"): the words of the
/// notice and its forms, which users of the programme think in. They are names only —
/// every collection and field keeps its one English name in files, journals and output.
public enum ChineseNames {
    public static let collections: [String: String] = [
        "街道": "streets", "社区": "communities", "儿童": "children", "妈妈": "mothers",
        "结对": "pairings", "走访": "visits", "双月报": "reports", "先进典型": "exemplars",
        "附件资料": "attachments",
    ]

    /// Per collection: Chinese name → English name of a field, or of a value the rule files
    /// define (`年龄` → `age`).
    public static let members: [String: [String: String]] = [
        "streets": ["名称": "name", "名额": "quota", "联络员": "liaison", "联络员电话": "liaison_phone"],
        "communities": ["名称": "name", "街道": "street"],
        "children": [
            "姓名": "name", "性别": "gender", "出生年月": "birth", "街道": "street", "社区": "community",
            "监护人": "guardian", "联系方式": "guardian_phone", "家庭住址": "address", "标签": "tags",
            "贫困原因": "reason", "家庭人口": "household_size", "家庭月收入": "household_income",
            "医疗费用": "medical_cost", "审核状态": "status", "审核意见": "review", "登记日期": "registered",
            "年龄": "age",
        ],
        "mothers": [
            "姓名": "name", "单位": "org", "职务": "title", "联系方式": "phone", "层级": "level",
            "街道": "street", "社区": "community", "身份": "roles",
        ],
        "pairings": [
            "妈妈": "mother", "儿童": "child", "结对日期": "since", "结束日期": "until",
            "联系渠道": "channels", "备注": "note",
        ],
        "visits": ["结对": "pairing", "日期": "date", "方式": "kind", "记录": "note"],
        "reports": [
            "街道": "street", "期次": "period", "报送日期": "submitted", "成效": "results",
            "经验": "experience", "存在问题": "problems",
        ],
        "exemplars": ["双月报": "report", "结对": "pairing", "事迹": "note"],
        "attachments": [
            "文件": "file", "校验值": "sha256", "双月报": "report", "走访": "visit", "拍摄日期": "taken",
            "说明": "note",
        ],
    ]

    /// The English name of a collection written in English or Chinese.
    public static func collection(_ name: String) -> String {
        collections[name] ?? name
    }

    /// The English name a Chinese member name of `collection` stands for: a field or define
    /// of its own, else another collection (a reverse reference), else nil.
    public static func member(_ name: String, of collection: String) -> String? {
        members[collection]?[name] ?? collections[name]
    }

    /// The Chinese name of a collection's member, for `.schema` and completion.
    public static func chinese(ofMember name: String, in collection: String) -> String? {
        members[collection]?.first { $0.value == name }?.key
    }

    public static func chinese(ofCollection name: String) -> String? {
        collections.first { $0.value == name }?.key
    }
}
