/* Observatoire des clauses sociales : section « Parcours ».
 * A flow diagram (ECharts Sankey) of the beneficiaries' paths: public at entry -> family of the first employment
 * contract -> situation six months after the exit, per year of entry and territory of residence, from the
 * open-data set parcours_beneficiaires (window.OBSERVATOIRE_DATA.parcours, written by dataviz.py), with the helpers
 * app.js shares (window.dataviz.outils). A row with two stages is a flow, a row with one stage a node, the row with
 * none the total. A masked flow (secret statistique) is drawn grey, with an indicative width (the smallest published flow), and the table below says
 * "secret statistique"; a masked node says so in its label. */
(function () {
  'use strict';

  const DATA = window.OBSERVATOIRE_DATA;
  const PARCOURS = DATA.parcours;
  const { SECRET, nombre, options, initGraphique, message } = window.dataviz.outils;
  const ENSEMBLE = 'ensemble';
  const ETAPES = [
    { cle: 'publics', prefixe: 'public', couleur: '#2b5ea7' },
    { cle: 'familles', prefixe: 'contrat', couleur: '#c0642b' },
    { cle: 'issues', prefixe: 'issue', couleur: '#2e8b6b' },
  ];
  const COULEUR_SECRET = '#b9bec7';
  const NIVEAUX = { region: 'Île-de-France', departement: 'Département', ept: 'EPT (Grand Paris)' };

  const territoires = DATA.territoires.map(function (t, index) { return { index: index, niveau: t[0], code: t[1], nom: t[2] }; });
  // "annee|territoire" -> [{codes: [public, famille, issue], libelles, valeur, secret}]
  const cellules = new Map();
  PARCOURS.lignes.forEach(function (l) {
    const cle = l[0] + '|' + l[1];
    if (!cellules.has(cle)) cellules.set(cle, []);
    const valeurs = ETAPES.map(function (e, i) { return PARCOURS[e.cle][l[2 + i]]; });
    cellules.get(cle).push({
      codes: valeurs.map(function (v) { return v[0]; }), libelles: valeurs.map(function (v) { return v[1]; }),
      valeur: l[5], secret: l[6] === 1,
    });
  });
  const annees = Array.from(new Set(PARCOURS.lignes.map(function (l) { return l[0]; }))).sort();
  const territoiresAvecDonnees = new Set(PARCOURS.lignes.map(function (l) { return l[1]; }));

  const etat = { annee: annees[annees.length - 1], niveau: 'region', territoire: 0 };
  const selAnnee = document.getElementById('parcours-annee');
  const selNiveau = document.getElementById('parcours-niveau');
  const selTerritoire = document.getElementById('parcours-territoire');
  options(selAnnee, annees.slice().reverse().map(function (a) { return { valeur: a, texte: String(a) }; }));
  options(selNiveau, Object.keys(NIVEAUX).map(function (n) { return { valeur: n, texte: NIVEAUX[n] }; }));
  function remplirTerritoires() {
    const liste = territoires.filter(function (t) {
      return t.niveau === etat.niveau && territoiresAvecDonnees.has(t.index);
    }).sort(function (a, b) { return a.nom.localeCompare(b.nom, 'fr'); });
    options(selTerritoire, liste.map(function (t) {
      return { valeur: t.index, texte: t.niveau === 'departement' ? t.nom + ' (' + t.code + ')' : t.nom };
    }));
    if (!liste.some(function (t) { return t.index === etat.territoire; }) && liste.length) etat.territoire = liste[0].index;
  }
  selAnnee.addEventListener('change', function () { etat.annee = Number(selAnnee.value); afficher(); });
  selNiveau.addEventListener('change', function () { etat.niveau = selNiveau.value; remplirTerritoires(); afficher(); });
  selTerritoire.addEventListener('change', function () { etat.territoire = Number(selTerritoire.value); afficher(); });

  const chart = initGraphique('parcours-sankey');

  function texte(c) { return c.valeur === null ? SECRET : nombre.format(c.valeur); }
  /** Stages of a cell that are not "ensemble" (0, 1 or 2 of them). */
  function etapes(c) { return [0, 1, 2].filter(function (i) { return c.codes[i] !== ENSEMBLE; }); }
  function idNoeud(i, code) { return ETAPES[i].prefixe + ':' + code; }

  function afficher() {
    selAnnee.value = String(etat.annee);
    selNiveau.value = etat.niveau;
    selTerritoire.value = String(etat.territoire);
    const liste = cellules.get(etat.annee + '|' + etat.territoire) || [];
    const flux = liste.filter(function (c) { return etapes(c).length === 2; });
    const noeuds = liste.filter(function (c) { return etapes(c).length === 1; });
    const total = liste.filter(function (c) { return etapes(c).length === 0; })[0];
    const publies = flux.filter(function (c) { return c.valeur !== null; }).map(function (c) { return c.valeur; });
    const largeurSecret = publies.length ? Math.min.apply(null, publies) : 1;
    const territoire = territoires[etat.territoire];

    const donneesNoeuds = noeuds.map(function (c) {
      const i = etapes(c)[0];
      return {
        name: idNoeud(i, c.codes[i]), depth: i, libelle: c.libelles[i], texte: texte(c), secret: c.valeur === null,
        itemStyle: { color: c.valeur === null ? COULEUR_SECRET : ETAPES[i].couleur },
      };
    });
    const liens = flux.map(function (c) {
      const [i, j] = etapes(c);
      return {
        source: idNoeud(i, c.codes[i]), target: idNoeud(j, c.codes[j]), value: c.valeur === null ? largeurSecret : c.valeur,
        texte: c.libelles[i] + ' → ' + c.libelles[j] + ' : ' + texte(c) + (c.valeur === null ? '' : ' personnes'),
        lineStyle: c.valeur === null ? { color: COULEUR_SECRET, opacity: 0.55, type: 'dashed' } : { color: 'source', opacity: 0.4 },
      };
    });
    if (!liens.length) {
      message(chart, 'Aucun parcours publié pour ce choix.');
    } else {
      chart.setOption({
        animation: false,
        tooltip: {
          trigger: 'item', confine: true,
          formatter: function (p) { return p.dataType === 'edge' ? p.data.texte : p.data.libelle + ' : ' + p.data.texte; },
        },
        series: [{
          type: 'sankey', left: 8, right: 240, top: 8, bottom: 8, nodeAlign: 'justify', layoutIterations: 0,
          emphasis: { focus: 'adjacency' }, data: donneesNoeuds, links: liens,
          label: { fontSize: 11, width: 210, overflow: 'truncate', formatter: function (p) { return p.data.libelle + ' (' + p.data.texte + ')'; } },
        }],
      }, true);
    }

    const corps = document.getElementById('parcours-tableau');
    corps.replaceChildren.apply(corps, flux.map(function (c) {
      const [i, j] = etapes(c);
      const rangee = document.createElement('tr');
      rangee.dataset.depart = c.codes[i];
      rangee.dataset.arrivee = c.codes[j];
      [c.libelles[i], c.libelles[j], texte(c)].forEach(function (valeur, k) {
        const td = document.createElement('td');
        td.textContent = valeur;
        if (k === 2 && c.valeur === null) td.className = 'est-secret';
        rangee.appendChild(td);
      });
      return rangee;
    }));
    const masques = flux.filter(function (c) { return c.valeur === null; }).length;
    document.getElementById('parcours-note').textContent = territoire.nom + ', personnes entrées en ' + etat.annee
      + ' : ' + (total ? texte(total) : 'aucune') + '. Flux masqués (secret statistique) : ' + masques + ' sur '
      + flux.length + ' ; ils sont tracés en gris avec une épaisseur indicative, égale au plus petit flux publié.';
  }

  if (!annees.length) {
    document.getElementById('parcours-note').textContent = "Aucun parcours n'a encore été publié.";
    [selAnnee, selNiveau, selTerritoire].forEach(function (s) { s.disabled = true; });
  } else {
    remplirTerritoires();
    afficher();
  }
  window.datavizParcours = { etat: etat, graphique: chart, afficher: afficher, pret: true };
}());
