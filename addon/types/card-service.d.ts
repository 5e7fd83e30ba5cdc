// Values of CardService.UpdateDraftBodyType that Google documents
// (developers.google.com/apps-script/reference/card-service/update-draft-body-type)
// but @types/google-apps-script 2.0.x leaves out. Declaration merging adds them to
// the existing enum; the numbers exist only for the type checker, because the add-on
// always reads the runtime values from CardService.UpdateDraftBodyType.
declare namespace GoogleAppsScript {
  namespace Card_Service {
    enum UpdateDraftBodyType {
      /** Inserts the content at the start of the message body. */
      INSERT_AT_START = 1,
      /** Inserts the content at the end of the body; in Gmail on the web that is after the signature. */
      INSERT_AT_END = 2,
    }
  }
}
