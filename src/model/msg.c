/*
 * msg.c — see msg.h. A table is an array indexed by msg_id; a unit test
 * checks that no entry of any table is missing.
 */
#include "msg.h"

#include <string.h>

static const char *const msg_en[MSG_COUNT] = {
    [MSG_PAGE_X_OF_Y] = "Page %d of %d",
    [MSG_PATIENT] = "Patient",
    [MSG_DATE_OF_BIRTH] = "Date of birth",
    [MSG_RECORD_NUMBER] = "Record number",
    [MSG_APPOINTMENT_DATE] = "Appointment date",
    [MSG_CLINICIAN] = "Clinician",
    [MSG_SIGNATURE_OF] = "Signature of %s",
    [MSG_PRINTED_NAME] = "Printed name",
    [MSG_DATE] = "Date",
    [MSG_TIME] = "Time",
    [MSG_INITIALS] = "Initials",
    [MSG_SCAN_TO_BOOK] = "Scan to book",
    [MSG_VERSION] = "version",
    [MSG_BLANK_PAGE] = "This page is intentionally blank.",
    [MSG_WORDING] = "wording",
    [MSG_DRAFT] = "DRAFT",
    [MSG_SPECIMEN] = "SPECIMEN",
    [MSG_STALE] = "OUTDATED TRANSLATION",
    [MSG_ALT_CHECKBOX] = "Checkbox: %s",
    [MSG_ALT_INITIALS] = "Initials for %s",
    [MSG_ALT_QR] = "QR code to book an appointment; the link is %s",
    [MSG_UI_TITLE] = "Today's patients",
    [MSG_UI_SEARCH] = "Search by name or record number",
    [MSG_UI_ROW] = "Row",
    [MSG_UI_APPOINTMENT] = "Appointment",
    [MSG_UI_LANGUAGE] = "Language",
    [MSG_UI_PACKETS] = "Packets",
    [MSG_UI_PREVIEW] = "Preview",
    [MSG_UI_PRINT] = "Print",
    [MSG_UI_PRINTING] = "Printing…",
    [MSG_UI_PRINTED] = "Sent to %s as job %d",
    [MSG_UI_PRINT_FAILED] = "Not printed",
    [MSG_UI_WALKIN] = "Walk-in patient",
    [MSG_UI_FIRST_NAME] = "First name",
    [MSG_UI_LAST_NAME] = "Last name",
    [MSG_UI_REQUIRED] = "required",
    [MSG_UI_NO_MATCH] = "No patient matches",
    [MSG_UI_BAD_ROWS] = "Rows that could not be read",
    [MSG_UI_CLOSE] = "Close",
    [MSG_UI_LOADING] = "Loading…",
    [MSG_UI_DATE_HINT] = "YYYY-MM-DD",
    [MSG_UI_ERR_REQUIRED] = "is required",
    [MSG_UI_ERR_DATE] = "is not a date that exists (YYYY-MM-DD)",
    [MSG_UI_ERR_LANGUAGE] = "is not a language of this packet",
    [MSG_UI_ERR_NEEDED] = "is needed for this packet",
    [MSG_UI_ERR_TOO_LONG] = "is too long",
    [MSG_UI_ERR_ONE_LINE] = "must be one line of text",
    [MSG_UI_ERR_UNKNOWN] = "is not a field of the walk-in form",
    [MSG_UI_STALE_TITLE] = "This list may be out of date.",
    /* In parentheses: one string in two pieces, not two strings missing a
     * comma (as clang and clang-tidy would otherwise suspect). */
    [MSG_UI_STALE_TEXT] = ("%s could not be read since %s (%s). The patients below are the list "
                           "read at %s."),
};

static const char *const msg_es[MSG_COUNT] = {
    [MSG_PAGE_X_OF_Y] = "Página %d de %d",
    [MSG_PATIENT] = "Paciente",
    [MSG_DATE_OF_BIRTH] = "Fecha de nacimiento",
    [MSG_RECORD_NUMBER] = "Número de expediente",
    [MSG_APPOINTMENT_DATE] = "Fecha de la cita",
    [MSG_CLINICIAN] = "Profesional de salud",
    /* "Firma de Paciente" reads badly; the role stands on its own. */
    [MSG_SIGNATURE_OF] = "Firma: %s",
    [MSG_PRINTED_NAME] = "Nombre en letra de molde",
    [MSG_DATE] = "Fecha",
    [MSG_TIME] = "Hora",
    [MSG_INITIALS] = "Iniciales",
    [MSG_SCAN_TO_BOOK] = "Escanee para hacer una cita",
    [MSG_VERSION] = "versión",
    [MSG_BLANK_PAGE] = "Esta página se dejó en blanco a propósito.",
    [MSG_WORDING] = "texto",
    [MSG_DRAFT] = "BORRADOR",
    [MSG_SPECIMEN] = "MUESTRA",
    [MSG_STALE] = "TRADUCCIÓN DESACTUALIZADA",
    [MSG_ALT_CHECKBOX] = "Casilla: %s",
    [MSG_ALT_INITIALS] = "Iniciales para %s",
    [MSG_ALT_QR] = "Código QR para hacer una cita; el enlace es %s",
    [MSG_UI_TITLE] = "Pacientes de hoy",
    [MSG_UI_SEARCH] = "Buscar por nombre o número de expediente",
    [MSG_UI_ROW] = "Fila",
    [MSG_UI_APPOINTMENT] = "Cita",
    [MSG_UI_LANGUAGE] = "Idioma",
    [MSG_UI_PACKETS] = "Paquetes",
    [MSG_UI_PREVIEW] = "Vista previa",
    [MSG_UI_PRINT] = "Imprimir",
    [MSG_UI_PRINTING] = "Imprimiendo…",
    [MSG_UI_PRINTED] = "Enviado a %s como trabajo %d",
    [MSG_UI_PRINT_FAILED] = "No se imprimió",
    [MSG_UI_WALKIN] = "Paciente sin cita",
    [MSG_UI_FIRST_NAME] = "Nombre",
    [MSG_UI_LAST_NAME] = "Apellidos",
    [MSG_UI_REQUIRED] = "obligatorio",
    [MSG_UI_NO_MATCH] = "Ningún paciente coincide",
    [MSG_UI_BAD_ROWS] = "Filas que no se pudieron leer",
    [MSG_UI_CLOSE] = "Cerrar",
    [MSG_UI_LOADING] = "Cargando…",
    [MSG_UI_DATE_HINT] = "AAAA-MM-DD",
    [MSG_UI_ERR_REQUIRED] = "es obligatorio",
    [MSG_UI_ERR_DATE] = "no es una fecha válida (AAAA-MM-DD)",
    [MSG_UI_ERR_LANGUAGE] = "no es un idioma de este paquete",
    [MSG_UI_ERR_NEEDED] = "es necesario para este paquete",
    [MSG_UI_ERR_TOO_LONG] = "es demasiado largo",
    [MSG_UI_ERR_ONE_LINE] = "debe ser una sola línea",
    [MSG_UI_ERR_UNKNOWN] = "no es un campo de este formulario",
    [MSG_UI_STALE_TITLE] = "Es posible que esta lista no esté al día.",
    [MSG_UI_STALE_TEXT] = ("No se ha podido leer %s desde las %s (%s). Los pacientes de abajo "
                           "son la lista leída a las %s."),
};

/* Traditional Chinese, in the words of Taiwanese and Hong Kong forms. */
static const char *const msg_zh_hant[MSG_COUNT] = {
    [MSG_PAGE_X_OF_Y] = "第 %d 頁，共 %d 頁",
    [MSG_PATIENT] = "病人",
    [MSG_DATE_OF_BIRTH] = "出生日期",
    [MSG_RECORD_NUMBER] = "病歷號碼",
    [MSG_APPOINTMENT_DATE] = "預約日期",
    [MSG_CLINICIAN] = "醫護人員",
    /* "病人或法定代理人簽名": the role, then "signature", with no space. */
    [MSG_SIGNATURE_OF] = "%s簽名",
    /* The name written out in clear print, as Taiwanese forms ask for it. */
    [MSG_PRINTED_NAME] = "正楷姓名",
    [MSG_DATE] = "日期",
    [MSG_TIME] = "時間",
    /* A short signature, as Taiwanese and Hong Kong forms say for initials. */
    [MSG_INITIALS] = "簡簽",
    [MSG_SCAN_TO_BOOK] = "掃描預約",
    [MSG_VERSION] = "版本",
    [MSG_BLANK_PAGE] = "本頁刻意留白。",
    [MSG_WORDING] = "文字",
    [MSG_DRAFT] = "草稿",
    [MSG_SPECIMEN] = "樣本",
    [MSG_STALE] = "翻譯已過時",
    [MSG_ALT_CHECKBOX] = "核取方塊：%s",
    [MSG_ALT_INITIALS] = "%s 的簡簽",
    [MSG_ALT_QR] = "預約用的 QR 碼；連結是 %s",
    [MSG_UI_TITLE] = "今天的病人",
    [MSG_UI_SEARCH] = "用姓名或病歷號碼搜尋",
    /* The page prints "列號 3:" before a row's problem. */
    [MSG_UI_ROW] = "列號",
    [MSG_UI_APPOINTMENT] = "預約",
    [MSG_UI_LANGUAGE] = "語言",
    [MSG_UI_PACKETS] = "文件包",
    [MSG_UI_PREVIEW] = "預覽",
    [MSG_UI_PRINT] = "列印",
    [MSG_UI_PRINTING] = "列印中…",
    [MSG_UI_PRINTED] = "已傳送到 %s，列印工作編號 %d",
    [MSG_UI_PRINT_FAILED] = "沒有列印",
    [MSG_UI_WALKIN] = "現場掛號病人",
    [MSG_UI_FIRST_NAME] = "名字",
    [MSG_UI_LAST_NAME] = "姓氏",
    [MSG_UI_REQUIRED] = "必填",
    [MSG_UI_NO_MATCH] = "沒有符合的病人",
    [MSG_UI_BAD_ROWS] = "無法讀取的列",
    [MSG_UI_CLOSE] = "關閉",
    [MSG_UI_LOADING] = "載入中…",
    [MSG_UI_DATE_HINT] = "YYYY-MM-DD（年-月-日）",
    /* These follow the field's name and a space: "名字 必須填寫". */
    [MSG_UI_ERR_REQUIRED] = "必須填寫",
    [MSG_UI_ERR_DATE] = "不是存在的日期（YYYY-MM-DD）",
    [MSG_UI_ERR_LANGUAGE] = "不是這個文件包提供的語言",
    [MSG_UI_ERR_NEEDED] = "是這個文件包需要的資料",
    [MSG_UI_ERR_TOO_LONG] = "太長",
    [MSG_UI_ERR_ONE_LINE] = "只能是一行文字",
    [MSG_UI_ERR_UNKNOWN] = "不是現場掛號表格的欄位",
    [MSG_UI_STALE_TITLE] = "這份名單可能不是最新的。",
    /* The file, since when, why, and when the list was read: in that order. */
    [MSG_UI_STALE_TEXT] = ("%s 從 %s 起無法讀取（%s）。下面的病人名單是在 %s "
                           "讀取的。"),
};

/* Arabic (Modern Standard). Arabic has no capital letters, so the watermarks
 * are plain words. Predicates that follow a field label on the web page
 * ("الاسم الأول مطلوب") are masculine, agreeing with the labels (الاسم،
 * تاريخ، رقم ...); only err_language, said of اللغة, is feminine. */
static const char *const msg_ar[MSG_COUNT] = {
    [MSG_PAGE_X_OF_Y] = "الصفحة %d من %d",
    [MSG_PATIENT] = "المريض",
    [MSG_DATE_OF_BIRTH] = "تاريخ الميلاد",
    [MSG_RECORD_NUMBER] = "رقم الملف الطبي",
    [MSG_APPOINTMENT_DATE] = "تاريخ الموعد",
    /* As the forms say it: a doctor, nurse or other member of the team. */
    [MSG_CLINICIAN] = "الممارس الصحي",
    /* The roles are definite nouns (المريض، الشاهد), so "توقيع" + role is a
     * plain construct phrase: توقيع الشاهد. */
    [MSG_SIGNATURE_OF] = "توقيع %s",
    /* "Printed name": Arabic has no block capitals; what is asked for is the
     * name written so that it can be read. */
    [MSG_PRINTED_NAME] = "الاسم بخط واضح",
    [MSG_DATE] = "التاريخ",
    [MSG_TIME] = "الوقت",
    /* The term bilingual forms use beside "Initials". */
    [MSG_INITIALS] = "الأحرف الأولى",
    [MSG_SCAN_TO_BOOK] = "امسح الرمز للحجز",
    [MSG_VERSION] = "الإصدار",
    [MSG_BLANK_PAGE] = "هذه الصفحة فارغة عن قصد.",
    [MSG_WORDING] = "النص",
    [MSG_DRAFT] = "مسودة",
    /* Not نموذج, which is what the forms call a form. */
    [MSG_SPECIMEN] = "عيّنة",
    [MSG_STALE] = "ترجمة غير محدّثة",
    [MSG_ALT_CHECKBOX] = "مربع اختيار: %s",
    [MSG_ALT_INITIALS] = "الأحرف الأولى لـ %s",
    [MSG_ALT_QR] = "رمز QR لحجز موعد؛ الرابط هو %s",
    [MSG_UI_TITLE] = "مرضى اليوم",
    [MSG_UI_SEARCH] = "ابحث بالاسم أو برقم الملف",
    [MSG_UI_ROW] = "الصف",
    [MSG_UI_APPOINTMENT] = "الموعد",
    [MSG_UI_LANGUAGE] = "اللغة",
    [MSG_UI_PACKETS] = "حزم النماذج",
    [MSG_UI_PREVIEW] = "معاينة",
    [MSG_UI_PRINT] = "طباعة",
    [MSG_UI_PRINTING] = "جارٍ الطباعة…",
    [MSG_UI_PRINTED] = "أُرسلت إلى %s، مهمة الطباعة رقم %d",
    [MSG_UI_PRINT_FAILED] = "لم تتم الطباعة",
    [MSG_UI_WALKIN] = "مريض بدون موعد",
    [MSG_UI_FIRST_NAME] = "الاسم الأول",
    [MSG_UI_LAST_NAME] = "اسم العائلة",
    [MSG_UI_REQUIRED] = "مطلوب",
    [MSG_UI_NO_MATCH] = "لا يوجد مريض مطابق",
    [MSG_UI_BAD_ROWS] = "صفوف تعذّرت قراءتها",
    [MSG_UI_CLOSE] = "إغلاق",
    [MSG_UI_LOADING] = "جارٍ التحميل…",
    /* Kept in Latin letters: the date is typed in Western digits, year
     * first, and an Arabic hint (سنة-شهر-يوم) would show right to left,
     * in the opposite order to the digits typed under it. */
    [MSG_UI_DATE_HINT] = "YYYY-MM-DD",
    [MSG_UI_ERR_REQUIRED] = "مطلوب",
    [MSG_UI_ERR_DATE] = "ليس تاريخاً صحيحاً (YYYY-MM-DD)",
    [MSG_UI_ERR_LANGUAGE] = "ليست من لغات هذه الحزمة",
    [MSG_UI_ERR_NEEDED] = "مطلوب لهذه الحزمة",
    [MSG_UI_ERR_TOO_LONG] = "طويل جداً",
    [MSG_UI_ERR_ONE_LINE] = "يجب أن يكون سطراً واحداً من النص",
    [MSG_UI_ERR_UNKNOWN] = "ليس من حقول نموذج المريض بدون موعد",
    [MSG_UI_STALE_TITLE] = "قد لا تكون هذه القائمة محدّثة.",
    /* The file, the time, the reason, the time: the order of the English. */
    [MSG_UI_STALE_TEXT] = ("تعذّرت قراءة %s منذ %s (%s). المرضى أدناه هم من القائمة التي "
                           "قُرئت في %s."),
};

static const struct {
    const char *lang;
    const char *const *table;
} tables[] = {
    {"en", msg_en},
    {"es", msg_es},
    {"zh-Hant", msg_zh_hant},
    {"ar", msg_ar},
};

static const char *const *table_for(const char *lang)
{
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (lang && strcmp(tables[i].lang, lang) == 0)
            return tables[i].table;
    return NULL;
}

bool msg_has_language(const char *lang)
{
    return table_for(lang) != NULL;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool msg_is_language_tag(const char *s)
{
    if (!s)
        return false;
    size_t n = 0;
    while (is_alpha(s[n]))
        n++;
    if (n < 2 || n > 3)
        return false;
    while (s[n] == '-') {
        size_t k = 0;
        n++;
        while (is_alpha(s[n + k]) || (s[n + k] >= '0' && s[n + k] <= '9'))
            k++;
        if (k < 1 || k > 8)
            return false;
        n += k;
    }
    return s[n] == '\0';
}

const char *msg_get(const char *lang, msg_id id)
{
    const char *const *t = table_for(lang);
    if (!t || !t[id])
        t = msg_en;
    return t[id];
}

int msg_table_count(void)
{
    return (int)(sizeof tables / sizeof tables[0]);
}

const char *msg_table_entry(int i, msg_id id, const char **lang)
{
    *lang = tables[i].lang;
    return tables[i].table[id];
}

static const char *const msg_keys[MSG_COUNT] = {
    [MSG_PATIENT] = "patient",
    [MSG_DATE_OF_BIRTH] = "dob",
    [MSG_RECORD_NUMBER] = "mrn",
    [MSG_APPOINTMENT_DATE] = "appointment_date",
    [MSG_CLINICIAN] = "clinician",
    [MSG_DATE] = "date",
    [MSG_UI_TITLE] = "title",
    [MSG_UI_SEARCH] = "search",
    [MSG_UI_ROW] = "row",
    [MSG_UI_APPOINTMENT] = "appointment",
    [MSG_UI_LANGUAGE] = "language",
    [MSG_UI_PACKETS] = "packets",
    [MSG_UI_PREVIEW] = "preview",
    [MSG_UI_PRINT] = "print",
    [MSG_UI_PRINTING] = "printing",
    [MSG_UI_PRINTED] = "printed",
    [MSG_UI_PRINT_FAILED] = "print_failed",
    [MSG_UI_WALKIN] = "walkin",
    [MSG_UI_FIRST_NAME] = "first_name",
    [MSG_UI_LAST_NAME] = "last_name",
    [MSG_UI_REQUIRED] = "required",
    [MSG_UI_NO_MATCH] = "no_match",
    [MSG_UI_BAD_ROWS] = "bad_rows",
    [MSG_UI_CLOSE] = "close",
    [MSG_UI_LOADING] = "loading",
    [MSG_UI_DATE_HINT] = "date_hint",
    [MSG_UI_ERR_REQUIRED] = "err_required",
    [MSG_UI_ERR_DATE] = "err_date",
    [MSG_UI_ERR_LANGUAGE] = "err_language",
    [MSG_UI_ERR_NEEDED] = "err_needed",
    [MSG_UI_ERR_TOO_LONG] = "err_too_long",
    [MSG_UI_ERR_ONE_LINE] = "err_one_line",
    [MSG_UI_ERR_UNKNOWN] = "err_unknown",
    [MSG_UI_STALE_TITLE] = "stale_title",
    [MSG_UI_STALE_TEXT] = "stale_text",
};

const char *msg_key(msg_id id)
{
    return (unsigned)id < MSG_COUNT ? msg_keys[id] : NULL;
}
