package workspace

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/trialscout/trialscout/evaluator"
)

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "home.html", http.StatusOK, page{Title: "Trials", Data: s.rm.Trials()})
}

// worklistData is the worklist page: a page of rows and the top of what
// would unlock the most.
type worklistData struct {
	W      Worklist
	Unlock Unlock
}

// unlockTop is how many unlock lines the worklist page shows.
const unlockTop = 5

func (s *Server) worklistPage(w http.ResponseWriter, r *http.Request) {
	q, err := worklistQuery(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	wl, err := s.rm.Worklist(r.PathValue("id"), q)
	if err != nil {
		s.errorPage(w, r, notFound(err))
		return
	}
	u, _ := s.rm.Unlock(wl.Trial, unlockTop)
	s.render(w, r, "worklist.html", http.StatusOK, page{Title: wl.Title, Data: worklistData{W: wl, Unlock: u}})
}

func (s *Server) unlockPage(w http.ResponseWriter, r *http.Request) {
	u, err := s.rm.Unlock(r.PathValue("id"), 100)
	if err != nil {
		s.errorPage(w, r, notFound(err))
		return
	}
	s.render(w, r, "unlock.html", http.StatusOK, page{Title: "What would unlock the most: " + u.Title, Data: u})
}

// searchData is the patient search page.
type searchData struct {
	Q     string
	Found []string
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	found := s.rm.Search(q, searchLimit)
	if slices.Contains(found, q) && len(found) == 1 {
		http.Redirect(w, r, PatientPath(q), http.StatusSeeOther)
		return
	}
	s.render(w, r, "search.html", http.StatusOK, page{Title: "Find a patient", Data: searchData{Q: q, Found: found}})
}

// patientData is the patient page: the view, and the criterion a "decide"
// link preselected in the forms.
type patientData struct {
	P        PatientView
	Selected string
}

func (s *Server) patientPage(w http.ResponseWriter, r *http.Request) {
	p := page{}
	if r.URL.Query().Get("sent") != "" {
		p.Notice = "Decision sent. The evaluation below changes once the worker has applied it."
	}
	s.showPatient(w, r, r.PathValue("id"), http.StatusOK, p)
}

func (s *Server) showPatient(w http.ResponseWriter, r *http.Request, id string, status int, p page) {
	v, ok := s.rm.Patient(id)
	if !ok {
		s.errorPage(w, r, badInput(http.StatusNotFound, "No patient %q in the workspace.", id))
		return
	}
	p.Title, p.Data = id, patientData{P: v, Selected: r.URL.Query().Get("criterion")}
	s.render(w, r, "patient.html", status, p)
}

// decisionForm takes a decision from the patient page's form.
func (s *Server) decisionForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, badInput(http.StatusBadRequest, "The form could not be read."))
		return
	}
	user := userOf(r)
	if !s.csrf.valid(r, user, r.PostFormValue(csrfField)) {
		s.errorPage(w, r, badInput(http.StatusForbidden,
			"The form was refused: it is out of date or was not sent from this workspace. Reload the patient's page and try again."))
		return
	}
	in := decisionInput{
		Patient: r.PostFormValue("patient"), Trial: r.PostFormValue("trial"), Criterion: r.PostFormValue("criterion"),
		Result: evaluator.Result(r.PostFormValue("result")), Reason: r.PostFormValue("reason"), By: r.PostFormValue("by"),
		Withdraw: r.PostFormValue("action") == "withdraw",
	}
	d, err := s.decide(r.Context(), user, in)
	if err != nil {
		var bad *inputError
		if errors.As(err, &bad) && bad.status != http.StatusNotFound {
			s.showPatient(w, r, in.Patient, bad.status, page{Error: "Not recorded: " + bad.msg + "."})
			return
		}
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, PatientPath(d.Patient)+"?sent=1#trial-"+url.PathEscape(d.Trial), http.StatusSeeOther)
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong."
	var bad *inputError
	if errors.As(err, &bad) {
		status, msg = bad.status, bad.msg
	}
	s.render(w, r, "error.html", status, page{Title: http.StatusText(status), Error: msg})
}
