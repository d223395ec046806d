# Chinese is punctuated with full-width commas and semicolons, as it is written:
# ruff: noqa: RUF001
"""The demo listings' own texts in the portal's other languages, as a partner enters them on
the listing's translation pages.

``SHARED`` holds the texts every demo listing has (``{name}`` and ``{street}`` are the
listing's); ``LISTING_TEXTS`` the texts of each listing, by its English name. The keys are the
listing's fields, plus ``checklist_title``, ``image_title``, ``image_alt`` and ``event_location``
for its documents and events, whose translation keys carry their ids.
"""

from __future__ import annotations

# The English texts these translate, for the same keys.
SHARED_ENGLISH: dict[str, str] = {
    "leasing_agent_title": "Leasing Agent",
    "paper_application_instructions": (
        "Pick up a paper application at the leasing office, or call us and we will mail one. "
        "Return it by mail or in person before the deadline; postmarks do not count."
    ),
    "office_hours": "Monday to Friday, 9 am to 5 pm",
    "checklist_title": "Application checklist",
    "image_title": "{name} building",
    "image_alt": "Front of {name}",
    "event_location": "{street}, community room",
}

SHARED: dict[str, dict[str, str]] = {
    "es": {
        "leasing_agent_title": "Agente de arrendamiento",
        "paper_application_instructions": (
            "Recoja una solicitud en papel en la oficina de arrendamiento, o llámenos y se la "
            "enviaremos por correo. Entréguela por correo o en persona antes de la fecha "
            "límite; no cuenta la fecha del matasellos."
        ),
        "office_hours": "De lunes a viernes, de 9 a. m. a 5 p. m.",
        "checklist_title": "Lista de documentos para la solicitud",
        "image_title": "Edificio {name}",
        "image_alt": "Fachada de {name}",
        "event_location": "{street}, sala comunitaria",
    },
    "zh_Hant": {
        "leasing_agent_title": "租賃經紀人",
        "paper_application_instructions": (
            "請到租賃辦公室領取紙本申請表，或致電我們，我們會把申請表寄給您。"
            "請在截止日期前以郵寄或親自遞交的方式交回申請表；以收到日期為準，郵戳日期不算。"
        ),
        "office_hours": "星期一至星期五，上午 9 時至下午 5 時",
        "checklist_title": "申請文件清單",
        "image_title": "{name} 大樓",
        "image_alt": "{name} 的正面外觀",
        "event_location": "{street}，社區活動室",
    },
    "fil": {
        "leasing_agent_title": "Ahente sa Pagpapaupa",
        "paper_application_instructions": (
            "Kumuha ng papel na aplikasyon sa leasing office, o tawagan kami at ipapadala "
            "namin ito sa koreo. Ibalik ito sa koreo o nang personal bago ang deadline; hindi "
            "binibilang ang petsa ng postmark."
        ),
        "office_hours": "Lunes hanggang Biyernes, 9 am hanggang 5 pm",
        "checklist_title": "Listahan ng mga kailangan para sa aplikasyon",
        "image_title": "Gusali ng {name}",
        "image_alt": "Harapan ng {name}",
        "event_location": "{street}, silid-pampamayanan",
    },
    "vi": {
        "leasing_agent_title": "Nhân viên cho thuê",
        "paper_application_instructions": (
            "Hãy nhận đơn giấy tại văn phòng cho thuê, hoặc gọi cho chúng tôi để được gửi đơn "
            "qua bưu điện. Nộp lại đơn qua bưu điện hoặc trực tiếp trước hạn chót; ngày đóng "
            "dấu bưu điện không được tính."
        ),
        "office_hours": "Thứ Hai đến Thứ Sáu, 9 giờ sáng đến 5 giờ chiều",
        "checklist_title": "Danh sách giấy tờ cần cho đơn",
        "image_title": "Tòa nhà {name}",
        "image_alt": "Mặt trước của {name}",
        "event_location": "{street}, phòng sinh hoạt cộng đồng",
    },
    "ar": {
        "leasing_agent_title": "وكيل التأجير",
        "paper_application_instructions": (
            "احصل على طلب ورقي من مكتب التأجير، أو اتصل بنا وسنرسله إليك بالبريد. "
            "أعِده بالبريد أو شخصيًا قبل الموعد النهائي؛ لا يُعتدّ بتاريخ ختم البريد."
        ),
        "office_hours": "من الاثنين إلى الجمعة، من 9 صباحًا إلى 5 مساءً",
        "checklist_title": "قائمة مستندات الطلب",
        "image_title": "مبنى {name}",
        "image_alt": "واجهة {name}",
        "event_location": "{street}، قاعة الأنشطة المجتمعية",
    },
}

LISTING_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "Harbor Flats Commons": {
        "es": {
            "description": (
                "Cuarenta apartamentos nuevos frente al mar, a dos cuadras de la terminal de "
                "ferris.\n\nCada vivienda tiene cocina completa, conexiones para lavadora y "
                "secadora, y ventanas grandes."
            ),
            "amenities": (
                "Sala comunitaria, jardín en la azotea, estacionamiento para bicicletas y "
                "lavandería en el edificio."
            ),
            "credit_rules": (
                "No se exige un puntaje de crédito mínimo. No se toman en cuenta las deudas "
                "médicas ni las de préstamos estudiantiles."
            ),
            "eviction_rules": "Ninguna sentencia de desalojo en los últimos 5 años.",
            "criminal_history_rules": (
                "Se revisa caso por caso, según la ordenanza de oportunidades justas de la ciudad."
            ),
            "required_documents": (
                "Identificación con foto, los talones de pago de los últimos 3 meses y la "
                "declaración de impuestos del año pasado."
            ),
            "pets_policy": (
                "Se permiten gatos y perros de menos de 40 libras. No se cobra alquiler por "
                "mascotas."
            ),
            "parking": "Estacionamiento limitado a $95 al mes, asignado por un sorteo aparte.",
            "deposit": "Un mes de alquiler.",
        },
        "zh_Hant": {
            "description": (
                "四十套全新海濱公寓，距離渡輪碼頭只有兩個街區。\n\n"
                "每個單位都有完整廚房、室內洗衣機接口和大窗戶。"
            ),
            "amenities": "社區活動室、屋頂花園、自行車存放處、大樓內洗衣房。",
            "credit_rules": "不設最低信用分數要求。醫療債務和學生貸款不列入考慮。",
            "eviction_rules": "過去 5 年內沒有被法院判決驅逐。",
            "criminal_history_rules": "根據本市的公平機會條例逐案審查。",
            "required_documents": "附照片的身分證件、最近 3 個月的薪資單、去年的報稅表。",
            "pets_policy": "可飼養 40 磅以下的貓和狗，不另收寵物租金。",
            "parking": "停車位有限，每月 95 美元，另行抽籤分配。",
            "deposit": "一個月的租金。",
        },
        "fil": {
            "description": (
                "Apatnapung bagong apartment sa tabing-dagat, dalawang bloke mula sa terminal "
                "ng ferry.\n\nBawat bahay ay may kumpletong kusina, mga koneksiyon para sa "
                "washing machine sa loob ng unit at malalaking bintana."
            ),
            "amenities": (
                "Silid-pampamayanan, hardin sa bubungan, lalagyan ng bisikleta at labahan sa "
                "gusali."
            ),
            "credit_rules": (
                "Walang minimum na credit score. Hindi isinasaalang-alang ang utang sa "
                "pagpapagamot at sa pag-aaral."
            ),
            "eviction_rules": "Walang hatol ng pagpapaalis sa nakalipas na 5 taon.",
            "criminal_history_rules": (
                "Sinusuri nang isa-isa ayon sa fair chance ordinance ng lungsod."
            ),
            "required_documents": (
                "ID na may larawan, mga pay stub ng huling 3 buwan at ang tax return noong "
                "nakaraang taon."
            ),
            "pets_policy": (
                "Pinapayagan ang mga pusa at asong wala pang 40 libra. Walang dagdag na upa "
                "para sa alaga."
            ),
            "parking": (
                "Limitado ang paradahan, $95 kada buwan, sa pamamagitan ng hiwalay na lottery."
            ),
            "deposit": "Isang buwang upa.",
        },
        "vi": {
            "description": (
                "Bốn mươi căn hộ mới ven biển, cách bến phà hai dãy nhà.\n\n"
                "Mỗi căn có bếp đầy đủ, chỗ nối sẵn máy giặt trong căn hộ và cửa sổ lớn."
            ),
            "amenities": (
                "Phòng sinh hoạt cộng đồng, vườn trên sân thượng, chỗ để xe đạp, phòng giặt "
                "trong tòa nhà."
            ),
            "credit_rules": (
                "Không yêu cầu điểm tín dụng tối thiểu. Nợ y tế và nợ vay học phí không được "
                "xét đến."
            ),
            "eviction_rules": "Không có phán quyết trục xuất nào trong 5 năm qua.",
            "criminal_history_rules": (
                "Được xem xét từng trường hợp theo sắc lệnh cơ hội công bằng của thành phố."
            ),
            "required_documents": (
                "Giấy tờ tùy thân có ảnh, phiếu lương 3 tháng gần nhất và tờ khai thuế năm ngoái."
            ),
            "pets_policy": (
                "Được nuôi mèo và chó dưới 40 pound. Không thu tiền thuê cho thú nuôi."
            ),
            "parking": "Chỗ đậu xe có hạn, 95 đô la mỗi tháng, phân chia bằng một đợt rút thăm riêng.",
            "deposit": "Một tháng tiền thuê.",
        },
        "ar": {
            "description": (
                "أربعون شقة جديدة على الواجهة البحرية، على بُعد شارعين من محطة العبّارات.\n\n"
                "في كل شقة مطبخ كامل، وتوصيلات لغسالة الملابس داخل الشقة، ونوافذ كبيرة."
            ),
            "amenities": "قاعة مجتمعية، وحديقة على السطح، ومكان لحفظ الدراجات، ومغسلة في المبنى.",
            "credit_rules": (
                "لا يُشترط حد أدنى للتصنيف الائتماني. لا تؤخذ الديون الطبية وديون الدراسة "
                "في الاعتبار."
            ),
            "eviction_rules": "لا أحكام إخلاء خلال السنوات الخمس الماضية.",
            "criminal_history_rules": "تُراجَع كل حالة على حدة وفق قانون الفرصة العادلة في المدينة.",
            "required_documents": (
                "هوية تحمل صورة، وقسائم الراتب لآخر 3 أشهر، والإقرار الضريبي للعام الماضي."
            ),
            "pets_policy": (
                "يُسمح بالقطط والكلاب التي يقل وزنها عن 40 رطلًا. لا إيجار إضافي للحيوانات الأليفة."
            ),
            "parking": "مواقف سيارات محدودة مقابل 95 دولارًا في الشهر، تُوزَّع بقرعة منفصلة.",
            "deposit": "إيجار شهر واحد.",
        },
    },
    "Cedar Hill Senior Residences": {
        "es": {
            "description": (
                "Apartamentos tranquilos para personas mayores cerca de Cedar Hill Park, con un "
                "coordinador de servicios para residentes en el edificio."
            ),
            "office_hours": "Martes y jueves, de 10 a. m. a 3 p. m.",
            "amenities": "Ascensor, biblioteca y cocina comunitaria.",
        },
        "zh_Hant": {
            "description": "位於 Cedar Hill Park 附近的安靜長者公寓，設有駐場住戶服務協調員。",
            "office_hours": "星期二和星期四，上午 10 時至下午 3 時",
            "amenities": "電梯、圖書室、公共廚房。",
        },
        "fil": {
            "description": (
                "Tahimik na mga apartment para sa mga nakatatanda malapit sa Cedar Hill Park, "
                "na may coordinator ng mga serbisyo para sa residente sa mismong gusali."
            ),
            "office_hours": "Martes at Huwebes, 10 am hanggang 3 pm",
            "amenities": "Elevator, aklatan at pampamayanang kusina.",
        },
        "vi": {
            "description": (
                "Căn hộ yên tĩnh dành cho người cao niên gần Cedar Hill Park, có điều phối viên "
                "dịch vụ cư dân làm việc tại chỗ."
            ),
            "office_hours": "Thứ Ba và Thứ Năm, 10 giờ sáng đến 3 giờ chiều",
            "amenities": "Thang máy, thư viện, bếp chung.",
        },
        "ar": {
            "description": (
                "شقق هادئة لكبار السن بالقرب من Cedar Hill Park، مع منسّق لخدمات السكان في المبنى."
            ),
            "office_hours": "الثلاثاء والخميس، من 10 صباحًا إلى 3 مساءً",
            "amenities": "مصعد، ومكتبة، ومطبخ مشترك.",
        },
    },
    "Eastgate Family Apartments": {
        "es": {
            "description": (
                "Viviendas para familias junto a la escuela primaria Eastgate Elementary, con "
                "área de juegos y una sala para después de clases."
            ),
        },
        "zh_Hant": {
            "description": "適合家庭居住的住宅，緊鄰 Eastgate 小學，設有遊樂場和課後活動室。",
        },
        "fil": {
            "description": (
                "Mga bahay na sapat para sa pamilya, katabi ng Eastgate Elementary, na may "
                "palaruan at silid para sa mga gawain pagkatapos ng klase."
            ),
        },
        "vi": {
            "description": (
                "Nhà rộng cho gia đình, ngay cạnh trường tiểu học Eastgate Elementary, có sân "
                "chơi và phòng sinh hoạt sau giờ học."
            ),
        },
        "ar": {
            "description": (
                "مساكن تتسع للعائلات بجوار مدرسة Eastgate الابتدائية، فيها ملعب للأطفال وقاعة "
                "لأنشطة ما بعد المدرسة."
            ),
        },
    },
    "Northpoint Townhomes": {
        "es": {
            "description": (
                "Casas adosadas a precios por debajo del mercado para quienes compran su primera "
                "vivienda. Los precios de reventa están limitados para que sigan siendo "
                "asequibles."
            ),
            "required_documents": (
                "Carta de preaprobación de un prestamista y un certificado de educación para "
                "compradores de primera vivienda."
            ),
        },
        "zh_Hant": {
            "description": (
                "為首次購屋者提供的低於市價的聯排住宅。轉售價格受到限制，讓住宅保持可負擔。"
            ),
            "required_documents": "貸款機構的預先核准函，以及首次購屋者教育課程證書。",
        },
        "fil": {
            "description": (
                "Mga townhome na mas mababa sa presyo ng merkado para sa mga unang beses na "
                "bibili ng bahay. May limitasyon ang presyo ng muling pagbebenta para manatili "
                "itong abot-kaya."
            ),
            "required_documents": (
                "Pre-approval letter mula sa nagpapautang at sertipiko ng edukasyon para sa mga "
                "unang beses na bibili ng bahay."
            ),
        },
        "vi": {
            "description": (
                "Nhà phố giá thấp hơn thị trường dành cho người mua nhà lần đầu. Giá bán lại "
                "được giới hạn để nhà luôn vừa túi tiền."
            ),
            "required_documents": (
                "Thư chấp thuận sơ bộ của bên cho vay và chứng chỉ khóa học dành cho người mua "
                "nhà lần đầu."
            ),
        },
        "ar": {
            "description": (
                "منازل متلاصقة بأسعار أقل من السوق لمن يشترون منزلهم الأول. أسعار إعادة البيع "
                "محدودة لتبقى في المتناول."
            ),
            "required_documents": (
                "خطاب موافقة مبدئية من جهة الإقراض، وشهادة دورة تثقيفية لمشتري المنزل الأول."
            ),
        },
    },
    "Old Town Lofts": {
        "es": {
            "description": "Lofts en un antiguo almacén renovado, encima del mercado de Old Town."
        },
        "zh_Hant": {"description": "由倉庫改建的閣樓公寓，位於 Old Town 市場大廳樓上。"},
        "fil": {"description": "Mga loft sa dating bodega, sa itaas ng market hall ng Old Town."},
        "vi": {"description": "Căn hộ loft cải tạo từ nhà kho, nằm phía trên khu chợ Old Town."},
        "ar": {"description": "شقق علوية في مستودع قديم مُجدَّد فوق سوق Old Town."},
    },
    "Mission Terrace Veterans Housing": {
        "es": {
            "description": (
                "Vivienda con servicios de apoyo para veteranos, con gestión de casos a cargo "
                "de Veterans Homes Alliance."
            ),
        },
        "zh_Hant": {
            "description": "為退伍軍人提供的支援性住房，由 Veterans Homes Alliance 提供個案管理服務。",
        },
        "fil": {
            "description": (
                "Suportadong pabahay para sa mga beterano, na may case management mula sa "
                "Veterans Homes Alliance."
            ),
        },
        "vi": {
            "description": (
                "Nhà ở hỗ trợ dành cho cựu chiến binh, có dịch vụ quản lý hồ sơ từ Veterans "
                "Homes Alliance."
            ),
        },
        "ar": {
            "description": "سكن داعم للمحاربين القدامى، مع إدارة حالات تقدّمها Veterans Homes Alliance.",
        },
    },
    "Bayside Condominiums": {
        "es": {
            "description": (
                "Condominios con vista a la bahía, vendidos por debajo del precio de mercado a "
                "compradores de ingresos moderados."
            ),
        },
        "zh_Hant": {"description": "可眺望海灣景色的公寓，以低於市價出售給中等收入的購屋者。"},
        "fil": {
            "description": (
                "Mga condominium na tanaw ang look, ibinebenta nang mas mababa sa presyo ng "
                "merkado sa mga mamimiling katamtaman ang kita."
            ),
        },
        "vi": {
            "description": (
                "Căn hộ chung cư nhìn ra vịnh, bán dưới giá thị trường cho người mua có thu nhập "
                "trung bình."
            ),
        },
        "ar": {
            "description": "شقق سكنية تطل على الخليج، تُباع بأقل من سعر السوق للمشترين ذوي الدخل المتوسط.",
        },
    },
}


def listing_texts(name: str, street: str, locale: str) -> dict[str, str]:
    """Every demo text of one listing in one locale, by the keys above."""
    shared = {key: text.format(name=name, street=street) for key, text in SHARED[locale].items()}
    return {**shared, **LISTING_TEXTS[name][locale]}
